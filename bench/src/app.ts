import type { IncomingMessage, ServerResponse } from 'node:http'

/**
 * One contender: a Node request listener serving the benchmark's routes, written the way a
 * user of that library would write them.
 *
 * - `GET /stream?n=N&size=S`: N events (`id` = index, `data` = S bytes) as fast as
 *   backpressure allows, then the end of the response.
 * - `GET /idle`: an open stream that sends nothing.
 * - `GET /slow?size=S`: a producer that keeps offering events (see {@link produceSlowly}).
 * - `GET /relay?…`: relays the upstream's `/events?…` (same query) event by event.
 * - `GET /durable?…`: the same through a durable relay (ssekit core only); ids from 1, and a
 *   final `end` event.
 * - `GET /subscribe`: joins the broadcast channel, for apps with `broadcast`.
 * - `GET /storm`: an open stream in a group that `closeAll` ends (ssekit core only).
 */
export interface BenchApp {
  readonly listener: (req: IncomingMessage, res: ServerResponse) => unknown
  /** Sends one event with this data to every subscriber. */
  readonly broadcast?: (data: string) => unknown
  /**
   * Resolves once the app holds nothing of earlier requests that it frees later by itself
   * (finished durable relays, kept for their retention), so that memory measured next starts
   * from a baseline that stays put.
   */
  readonly settled?: () => Promise<void>
  /**
   * Ends every `/storm` stream with a final `retry` of `retry` ms, spread over `spread` ms;
   * streams opened afterwards join a new group.
   */
  readonly closeAll?: (retry: number, spread: number) => Promise<void>
  /** Diagnostics messages the app's subscribers received, for apps that subscribe. */
  readonly observed?: () => number
}

/** What a server process knows when it builds its app. */
export interface AppConfig {
  /** The upstream server's origin, for `/relay`. */
  readonly upstream: string
  /** A Redis URL, for apps whose channel spans instances. */
  readonly redis: string | undefined
}

/** Builds a contender's app. */
export type AppFactory = (config: AppConfig) => BenchApp | Promise<BenchApp>

/** The SSE headers every hand-written stream (raw, framework baselines) sends. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
}

const payloads = new Map<number, string>()

/**
 * @param size - Bytes.
 * @returns An ASCII string of that many bytes, built once per size.
 */
export function payload(size: number): string {
  let text = payloads.get(size)
  if (text === undefined) {
    text = 'x'.repeat(size)
    payloads.set(size, text)
  }
  return text
}

/** Parsed `n` and `size` of a request's query. */
export interface StreamParams {
  readonly n: number
  readonly size: number
}

/**
 * @param url - A request URL, path and query.
 * @returns Its `n` and `size` (0 when absent).
 */
export function streamParams(url: string | undefined): StreamParams {
  const query = new URL(url ?? '/', 'http://bench').searchParams
  return { n: Number(query.get('n') ?? 0), size: Number(query.get('size') ?? 0) }
}

/**
 * @param url - A request URL.
 * @returns Its path without the query.
 */
export function pathOf(url: string | undefined): string {
  const path = url ?? '/'
  const query = path.indexOf('?')
  return query === -1 ? path : path.slice(0, query)
}

/**
 * @param upstream - The upstream's origin.
 * @param url - The relay request's URL; its query goes to the upstream as is.
 * @returns The upstream URL to relay.
 */
export function upstreamUrl(upstream: string, url: string | undefined): string {
  const path = url ?? '/'
  const query = path.indexOf('?')
  return `${upstream}/events${query === -1 ? '' : path.slice(query)}`
}

/**
 * Waits for a Node response to drain, as `res.write` users do when it returns `false`.
 *
 * @param res - The response.
 * @returns `true` on drain, `false` when the response closed first.
 */
export function drained(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false)
  return new Promise((resolve) => {
    const done = (value: boolean) => () => {
      res.off('drain', onDrain)
      res.off('close', onClose)
      resolve(value)
    }
    const onDrain = done(true)
    const onClose = done(false)
    res.on('drain', onDrain)
    res.on('close', onClose)
  })
}

/**
 * The body of `/stream` written one `res.write` per event, as a hand-written stream does:
 * the head, N events honouring backpressure, the end.
 *
 * @param req - The request, whose query gives `n` and `size`.
 * @param res - Its response.
 */
export async function writeEachEvent(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { n, size } = streamParams(req.url)
  const data = payload(size)
  res.writeHead(200, SSE_HEADERS)
  res.flushHeaders()
  for (let i = 0; i < n; i++) {
    if (!res.write(`id: ${i}\ndata: ${data}\n\n`) && !(await drained(res))) return
  }
  res.end()
}

/** Events a slow-client producer offers per tick, and the tick. */
const SLOW_BATCH = 200
const SLOW_TICK_MS = 10

/**
 * The producer of `/slow`: every tick, offers a batch of events (20 MB/s of 1 KiB events),
 * awaiting each send when the library returns something to await. A library that honours
 * backpressure makes it wait; one that does not buffers what the client does not read.
 *
 * @param send - Sends event `i`; `false` (or a promise of it) when the client is gone.
 * @param open - Whether the client is still connected.
 */
export async function produceSlowly(
  send: (i: number) => boolean | Promise<boolean>,
  open: () => boolean
): Promise<void> {
  let i = 0
  while (open()) {
    for (let k = 0; k < SLOW_BATCH; k++) {
      const sent = send(i++)
      if (sent === false || (sent !== true && !(await sent))) return
    }
    await new Promise((resolve) => setTimeout(resolve, SLOW_TICK_MS))
  }
}
