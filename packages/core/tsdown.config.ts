import { defineConfig } from 'tsdown'

// Merged over the workspace's tsdown.config.ts: besides the main entry, core has the subpath
// entries `@ssekit/core/adapter`, `/backplane`, `/diagnostics` and `/types`.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    adapter: 'src/adapter/index.ts',
    backplane: 'src/backplane.ts',
    diagnostics: 'src/diagnostics.ts',
    types: 'src/types.ts',
  },
})
