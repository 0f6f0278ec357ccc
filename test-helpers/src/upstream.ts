import { afterEach } from 'vitest'
import type http from 'node:http'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { listen } from './listen.js'

/** Fields of one event frame written by {@link UpstreamCall.send}. */
export interface UpstreamFrame {
  event?: string
  id?: string
  /** Written as one `data:` line per LF-separated line. */
  data: string
  retry?: number
}

/**
 * One request received by an {@link Upstream}: what the server observed, and the controls to
 * answer it. The request body has been read in full before the handler runs.
 */
export interface UpstreamCall {
  readonly method: string
  /** Path and query string, as received. */
  readonly path: string
  /** Request headers, lower-case names. */
  readonly headers: http.IncomingHttpHeaders
  /** The request body's bytes (empty when there was none). */
  readonly body: Buffer
  /** The request body decoded as UTF-8. */
  readonly text: string
  /** `performance.now()` when the request arrived (its body read in full). */
  readonly arrivedAt: number
  /** Bytes handed to `res.write` so far. */
  readonly written: number
  /** A write is waiting for the socket to drain: the client is not reading. */
  readonly blocked: boolean
  /** `performance.now()` when the request's socket closed; `undefined` while it is open. */
  readonly closedAt: number | undefined
  /** Resolves when the request's socket closes. */
  readonly closed: Promise<void>
  readonly req: http.IncomingMessage
  readonly res: http.ServerResponse
  /** Sends the status line and headers now. Defaults: 200, `text/event-stream`. */
  open: (status?: number, headers?: http.OutgoingHttpHeaders) => void
  /**
   * Writes raw bytes, opening the response with the defaults first if needed. Resolves once the
   * socket took them (after `'drain'` under backpressure).
   *
   * @returns `false` when the socket closed before the bytes could be written.
   */
  write: (chunk: string | Uint8Array) => Promise<boolean>
  /** Writes one event frame (`event`, `id`, `retry`, then `data` lines and a blank line). */
  send: (frame: UpstreamFrame) => Promise<boolean>
  /** Ends the response, opening it with the defaults first if needed. */
  end: (chunk?: string) => void
  /** Drops the connection mid-response, as a crashed upstream would. */
  destroy: () => void
}

/** Answers each request. Runs after the request body was read; may be async. */
export type UpstreamHandler = (call: UpstreamCall) => unknown

/** A local upstream server on 127.0.0.1, recording every request it receives. */
export interface Upstream {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  /** Every request received so far, in arrival order. */
  readonly calls: readonly UpstreamCall[]
  /** Resolves with request number `index` (0-based) once it has arrived. */
  call: (index?: number, timeoutMs?: number) => Promise<UpstreamCall>
  /** Closes the server and every connection still open. */
  close: () => Promise<void>
}

const SSE_HEAD: http.OutgoingHttpHeaders = { 'content-type': 'text/event-stream' }

/** Serializes a frame without validation: tests may want odd bytes on the wire. */
function frameText({ event, id, data, retry }: UpstreamFrame): string {
  let text = ''
  if (event !== undefined) text += `event: ${event}\n`
  if (id !== undefined) text += `id: ${id}\n`
  if (retry !== undefined) text += `retry: ${retry}\n`
  for (const line of data.split('\n')) text += `data: ${line}\n`
  return `${text}\n`
}

/** When each socket closed: one listener per socket, however many calls a kept-alive one carries. */
const socketClosings = new WeakMap<Socket, Promise<number>>()

function socketClosed(socket: Socket): Promise<number> {
  let closing = socketClosings.get(socket)
  if (closing === undefined) {
    closing = new Promise((resolve) => {
      socket.once('close', () => {
        resolve(performance.now())
      })
    })
    socketClosings.set(socket, closing)
  }
  return closing
}

function createCall(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer
): UpstreamCall {
  const arrivedAt = performance.now()
  let written = 0
  let blocked = false
  let closedAt: number | undefined
  const closed = socketClosed(req.socket).then((at) => {
    closedAt = at
  })
  const open = (status = 200, headers: http.OutgoingHttpHeaders = SSE_HEAD): void => {
    res.writeHead(status, headers)
    res.flushHeaders()
  }
  const gone = (): boolean => closedAt !== undefined || res.destroyed
  const write = async (chunk: string | Uint8Array): Promise<boolean> => {
    if (gone()) return false
    if (!res.headersSent) open()
    written += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength
    if (res.write(chunk)) return true
    blocked = true
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done)
        res.off('close', done)
        resolve()
      }
      res.on('drain', done)
      res.on('close', done)
    })
    blocked = false
    return !gone()
  }
  return {
    method: req.method ?? '',
    path: req.url ?? '',
    headers: req.headers,
    body,
    text: body.toString('utf8'),
    arrivedAt,
    get written() {
      return written
    },
    get blocked() {
      return blocked
    },
    get closedAt() {
      return closedAt
    },
    closed,
    req,
    res,
    open,
    write,
    send: (frame) => write(frameText(frame)),
    end: (chunk) => {
      if (gone()) return
      if (!res.headersSent) open()
      res.end(chunk)
    },
    destroy: () => {
      res.destroy()
    },
  }
}

/**
 * Waits (up to `waitMs`) for the call's socket to close.
 *
 * @param call - The upstream call.
 * @param since - A `performance.now()` timestamp, e.g. taken just before a cancellation.
 * @returns Milliseconds from `since` to the socket closing; `Infinity` if it stayed open.
 */
export async function socketCloseDelay(
  call: UpstreamCall,
  since: number,
  waitMs = 5000
): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([
    call.closed,
    new Promise((resolve) => {
      timer = setTimeout(resolve, waitMs)
    }),
  ])
  clearTimeout(timer)
  return call.closedAt === undefined ? Infinity : call.closedAt - since
}

/**
 * Starts an upstream server for tests. Each request's body is read in full, recorded in
 * `calls`, then handed to `handler`; an error thrown by the handler drops the connection.
 *
 * @example
 * ```ts
 * const upstream = await startUpstream(async (call) => {
 *   await call.send({ event: 'token', data: 'Hel' })
 *   call.end()
 * })
 * await sseRequest({ url: upstream.url })
 * expect((await upstream.call(0)).method).toBe('GET')
 * await upstream.close()
 * ```
 */
export async function startUpstream(handler: UpstreamHandler): Promise<Upstream> {
  const calls: UpstreamCall[] = []
  const server = await listen((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const call = createCall(req, res, Buffer.concat(chunks))
      calls.push(call)
      Promise.resolve()
        .then(() => handler(call))
        .catch(() => res.destroy())
    })
  })
  return {
    url: server.url,
    calls,
    call: async (index = 0, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const call = calls[index]
        if (call !== undefined) return call
        if (Date.now() > deadline) {
          throw new Error(`Timed out after ${timeoutMs} ms waiting for upstream call #${index}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    },
    close: () => server.close(),
  }
}

/**
 * Gives a test file a `serve(handler)` that starts a local upstream, closed after each test.
 *
 * @returns `serve`, which resolves with the started upstream.
 */
export function upstreamPerTest(): (handler: UpstreamHandler) => Promise<Upstream> {
  let upstream: Upstream | undefined
  afterEach(async () => {
    await upstream?.close()
    upstream = undefined
  })
  return async (handler) => {
    upstream = await startUpstream(handler)
    return upstream
  }
}
