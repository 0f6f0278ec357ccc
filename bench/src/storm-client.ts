import { createParser } from 'eventsource-parser'
import { nowMicros } from './clock.js'
import { RawResponse } from './http-reader.js'

/**
 * Clients of the connection-storm scenario, in the client process. Each behaves as a browser's
 * `EventSource`: it keeps the last `retry` its stream sent and, when the stream ends, opens it
 * again that many milliseconds later. The time each one is connected again is recorded.
 */

/** Connections are opened this many at a time, within the server's listen backlog. */
const OPENING = 200

/** What `EventSource` waits before reconnecting when the stream sent no `retry`. */
const DEFAULT_RETRY_MS = 3000

class StormClient {
  retry = DEFAULT_RETRY_MS
  response: RawResponse
  /** When the stream came back (its head arrived), µs on the shared clock; 0 before. */
  reconnectedAt = 0
  readonly #port: number
  readonly #path: string
  readonly #onBack: () => void

  constructor(port: number, path: string, onBack: () => void) {
    this.#port = port
    this.#path = path
    this.#onBack = onBack
    this.response = this.#connect(false)
  }

  #connect(again: boolean): RawResponse {
    const parser = createParser({
      onEvent: () => undefined,
      onRetry: (ms) => {
        this.retry = ms
      },
    })
    const decoder = new TextDecoder()
    return new RawResponse(
      this.#port,
      this.#path,
      {
        onHead: () => {
          if (!again) return
          this.reconnectedAt = nowMicros()
          this.#onBack()
        },
        onBody: (chunk) => {
          parser.feed(decoder.decode(chunk, { stream: true }))
        },
        onEnd: () => {
          if (again || closing) return
          setTimeout(() => {
            if (!closing) this.response = this.#connect(true)
          }, this.retry)
        },
      },
      nowMicros
    )
  }
}

let clients: StormClient[] = []
let back = 0
let allBack: (() => void) | undefined
/** Set while the clients are being closed for good: they must not reconnect. */
let closing = false

function headArrived(response: RawResponse): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (response.status !== 0 || response.ended) resolve()
      else setTimeout(check, 5)
    }
    check()
  })
}

/**
 * Opens `count` clients on one stream path and waits until every one is connected.
 *
 * @returns How many answered 200.
 */
export async function stormOpen({
  port,
  path,
  count,
}: {
  port: number
  path: string
  count: number
}): Promise<{ opened: number }> {
  closing = false
  back = 0
  clients = []
  const onBack = (): void => {
    back++
    if (back === clients.length) allBack?.()
  }
  for (let from = 0; from < count; from += OPENING) {
    const batch: StormClient[] = []
    for (let i = from; i < Math.min(count, from + OPENING); i++) {
      batch.push(new StormClient(port, path, onBack))
    }
    await Promise.all(batch.map((client) => headArrived(client.response)))
    clients.push(...batch)
  }
  return { opened: clients.filter((client) => client.response.status === 200).length }
}

/**
 * Waits until every client has reconnected, or `timeoutMs` passed, then closes them all.
 *
 * @returns Each reconnected client's time of return, µs on the shared clock.
 */
export async function stormCollect({ timeoutMs }: { timeoutMs: number }): Promise<number[]> {
  if (back < clients.length) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      allBack = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }
  allBack = undefined
  closing = true
  const times = clients.map((client) => client.reconnectedAt).filter((at) => at > 0)
  for (const client of clients) client.response.socket.destroy()
  clients = []
  return times
}
