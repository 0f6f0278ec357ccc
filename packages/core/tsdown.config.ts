import { defineConfig } from 'tsdown'

// Merged over the workspace's tsdown.config.ts: core has a second entry, `@ssekit/core/adapter`.
export default defineConfig({
  entry: { index: 'src/index.ts', adapter: 'src/adapter/index.ts' },
})
