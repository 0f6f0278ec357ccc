import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// @ssekit/testing outside vitest: node:test runs a file of its own that uses the built package.
const run = promisify(execFile)
const fixture = fileURLToPath(new URL('fixtures/testing-node-test.mjs', import.meta.url))

describe('@ssekit/testing in node:test', () => {
  it('passes a test file that opens Express and Hono routes', async () => {
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', fixture], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      timeout: 60_000,
    })
    expect(stdout).toMatch(/^# pass 2$/m)
    expect(stdout).toMatch(/^# fail 0$/m)
  }, 70_000)
})
