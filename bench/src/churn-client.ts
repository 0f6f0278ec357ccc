import { nowMicros } from './clock.js'
import { RawResponse } from './http-reader.js'

/** Reads one short stream to its end; resolves whether it answered 200. */
function readOne(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    new RawResponse(
      port,
      path,
      {
        onBody: () => undefined,
        onEnd: (response) => {
          resolve(response.status === 200)
        },
      },
      nowMicros
    )
  })
}

/**
 * Reads `count` short streams, `concurrency` at a time, each on its own connection: the cost
 * of starting and ending streams rather than of sending events.
 *
 * @returns How many answered 200, and the µs the whole run took.
 */
export async function churn({
  port,
  path,
  count,
  concurrency,
}: {
  port: number
  path: string
  count: number
  concurrency: number
}): Promise<{ ok: number; micros: number }> {
  let next = 0
  let ok = 0
  const start = nowMicros()
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++
      if (await readOne(port, path)) ok++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { ok, micros: nowMicros() - start }
}
