import { nowMicros } from './clock.js'
import { RawResponse } from './http-reader.js'
import { summarize } from './stats.js'

/**
 * Clients of the connection-rush scenario, in the client process: every connection opened in
 * the same turn of the event loop, as when a crowd arrives at once, and held until told.
 */

/** How long a rush may take before the clients still waiting count as not connected. */
const RUSH_TIMEOUT_MS = 120_000

/** What one rush measured, times in milliseconds from the first connect call. */
export interface Rush {
  /** Answered 200 with `text/event-stream` and still open. */
  readonly connected: number
  /** Closed, reset or answered otherwise before their head, or still waiting at the timeout. */
  readonly refused: number
  /** Until the last connected client had its head. */
  readonly allMs: number
  readonly p50Ms: number
  readonly p99Ms: number
}

let held: RawResponse[] = []

/**
 * Opens `count` streams at once, waits for every head (or the timeout), and keeps the
 * connected ones open for {@link rushClose}. The system picks each source port as it connects:
 * binding to a source address first costs the client a search of its ports per connection,
 * which made 15,000 connections take the client 20 s instead of 3.
 *
 * @returns What the rush measured.
 */
export async function rushOpen({
  port,
  path,
  count,
}: {
  port: number
  path: string
  count: number
}): Promise<Rush> {
  const start = nowMicros()
  const times: number[] = []
  let settled = 0
  let done: () => void = () => undefined
  const all = new Promise<void>((resolve) => (done = resolve))
  const settle = (): void => {
    if (++settled === count) done()
  }
  const responses: RawResponse[] = []
  for (let i = 0; i < count; i++) {
    let answered = false
    const response = new RawResponse(
      port,
      path,
      {
        onHead: () => {
          answered = true
          times.push(nowMicros() - start)
          settle()
        },
        onBody: () => undefined,
        onEnd: () => {
          if (!answered) {
            answered = true
            settle()
          }
        },
      },
      nowMicros
    )
    responses.push(response)
  }
  const timer = setTimeout(done, RUSH_TIMEOUT_MS)
  await all
  clearTimeout(timer)
  held = responses
  const connected = responses.filter(
    (r) => r.status === 200 && r.contentType.startsWith('text/event-stream') && !r.ended
  ).length
  const latency = summarize(times)
  return {
    connected,
    refused: count - connected,
    allMs: latency.max / 1000,
    p50Ms: latency.p50 / 1000,
    p99Ms: latency.p99 / 1000,
  }
}

/** Closes the streams of the last rush. */
export function rushClose(): void {
  for (const response of held) response.socket.destroy()
  held = []
}
