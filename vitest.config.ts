import { defineConfig } from 'vitest/config'

// Tests run against each package's TypeScript source through the `@ssekit/source` export
// condition; the packaging tests exercise the built `dist` separately.
const conditions = ['@ssekit/source', 'module', 'node', 'development|production']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // `--outputFile.json=…` moves the report, for runs on other Node versions.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/results.json' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      ...['core', 'express', 'koa', 'hono', 'fastify', 'redis', 'testing'].map((name) => ({
        extends: true as const,
        test: { name, root: `packages/${name}`, include: ['src/**/*.test.ts'] },
      })),
      {
        extends: true,
        test: { name: 'cross-package', root: 'test', include: ['**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['packages/*/src/**/*.test-d.ts'],
            tsconfig: './tsconfig.json',
          },
        },
      },
      {
        // Its own TypeScript program: the event map it registers would type every other file.
        extends: true,
        test: {
          name: 'types-registered',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['test/types-registered/*.test-d.ts'],
            tsconfig: './test/types-registered/tsconfig.json',
          },
        },
      },
    ],
  },
})
