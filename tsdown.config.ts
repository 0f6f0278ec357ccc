import { defineConfig } from 'tsdown'

export default defineConfig({
  workspace: { include: ['packages/*'] },
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  fixedExtension: true,
  dts: true,
  platform: 'neutral',
  // Node's built-in modules stay imports, for the packages that run on Node only.
  deps: { neverBundle: [/^node:/] },
  target: 'node20',
  sourcemap: false,
  clean: true,
})
