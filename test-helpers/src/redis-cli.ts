import { execFile } from 'node:child_process'

/**
 * Runs one `redis-cli` command against a server on 127.0.0.1.
 *
 * @param port - The server's port.
 * @param args - The command and its arguments.
 * @returns What `redis-cli` printed.
 */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', String(port), ...args],
      { timeout: 10_000, encoding: 'utf8' },
      (error, stdout) => {
        if (error) reject(new Error(`redis-cli ${args[0] ?? ''} failed.`, { cause: error }))
        else resolve(stdout)
      }
    )
  })
}

/**
 * Polls an asynchronous check until it returns something truthy: for states that only a
 * query reveals (a cluster's view of its nodes), where there is no event to wait on.
 *
 * @param check - The check; a rejection counts as not yet.
 * @param timeoutMs - How long to keep polling.
 * @param what - What is awaited, for the error.
 * @returns What the check returned.
 */
export async function pollUntil<T>(
  check: () => Promise<T>,
  timeoutMs: number,
  what: string
): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined && value !== null && value !== false) {
      return value as Exclude<T, false | null | undefined>
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Reads one field of `INFO`.
 *
 * @param info - What `INFO` printed.
 * @param field - The field's name.
 * @returns Its value, or `undefined`.
 */
export function infoField(info: string, field: string): string | undefined {
  const line = info.split(/\r?\n/).find((text) => text.startsWith(`${field}:`))
  return line?.slice(field.length + 1).trim()
}

/**
 * Waits until a master's replica acknowledged everything the master has written.
 *
 * @param port - The master's port.
 */
export async function replicated(port: number): Promise<void> {
  await pollUntil(
    async () => {
      const info = await redisCli(port, 'INFO', 'replication')
      const offset = infoField(info, 'master_repl_offset')
      return /offset=(\d+)/.exec(infoField(info, 'slave0') ?? '')?.[1] === offset
    },
    10_000,
    'the replica to catch up'
  )
}
