import { defineConfig } from 'tsdown'

export default defineConfig({
  workspace: { include: ['packages/*'] },
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  fixedExtension: true,
  dts: true,
  platform: 'neutral',
  target: 'node20',
  sourcemap: false,
  clean: true,
})
