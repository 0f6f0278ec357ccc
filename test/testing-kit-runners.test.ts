import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// @ssekit/testing outside vitest: node:test and jest run files of their own that use the built
// package. Each runner's process must also exit by itself: a server left listening would hang it.
const run = promisify(execFile)
const here = fileURLToPath(new URL('.', import.meta.url))
const fixture = fileURLToPath(new URL('fixtures/testing-node-test.mjs', import.meta.url))
const jest = createRequire(import.meta.url).resolve('jest/bin/jest')

describe('@ssekit/testing in node:test', () => {
  it('passes a test file that opens Express and Hono routes', async () => {
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', fixture], {
      cwd: here,
      timeout: 60_000,
    })
    expect(stdout).toMatch(/^# pass 3$/m)
    expect(stdout).toMatch(/^# fail 0$/m)
  }, 70_000)
})

describe('@ssekit/testing in jest', () => {
  it('passes a CommonJS test file that opens Express and Koa routes', async () => {
    const config = fileURLToPath(new URL('fixtures/jest/jest.config.cjs', import.meta.url))
    const rootDir = fileURLToPath(new URL('fixtures/jest', import.meta.url))
    const { stderr } = await run(
      process.execPath,
      [jest, '--ci', '--config', config, '--rootDir', rootDir],
      { cwd: here, timeout: 60_000 }
    )
    expect(stderr).toMatch(/^Tests: {7}2 passed, 2 total$/m)
    expect(stderr).not.toMatch(/did not exit/)
  }, 70_000)
})
