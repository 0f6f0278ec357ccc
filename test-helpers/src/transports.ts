import http2 from 'node:http2'
import { once } from 'node:events'
import { Readable } from 'node:stream'
import {
  createNodeSink,
  createSseStream,
  createWebSink,
  type SseStream,
  type SseStreamOptions,
} from '@ssekit/core'
import type { NodeRequest, NodeResponse } from '@ssekit/core/adapter'
import { listen, listenHttp2 } from './listen.js'
import { readEvents, type EventReader } from './read-events.js'

/** One client connection to a served event stream. */
export interface Connection {
  readonly status: number
  /** A response header, lower-case name; `null` when absent. */
  header: (name: string) => string | null
  readonly reader: EventReader
  /** The client goes away. */
  disconnect: () => Promise<void>
}

/** Serves an event stream and opens client connections to it. */
export interface Served {
  /**
   * Opens a connection. With `paused`, the client reads nothing until `reader.resume()`, so
   * the server meets backpressure.
   */
  open: (requestHeaders?: Record<string, string>, paused?: boolean) => Promise<Connection>
  close: () => Promise<void>
}

/** What the server side of a test does with each new stream. */
export type StreamHandler = (
  stream: SseStream,
  raw: { req?: NodeRequest; res?: NodeResponse }
) => unknown

/** A way to carry an event stream from `SseStream` to a client. */
export interface Transport {
  readonly name: 'http1' | 'http2' | 'web'
  serve(handler: StreamHandler, options?: SseStreamOptions): Promise<Served>
}

function nodeHandler(handler: StreamHandler, options: SseStreamOptions | undefined) {
  return (req: NodeRequest, res: NodeResponse): void => {
    void handler(createSseStream(createNodeSink(req, res), options), { req, res })
  }
}

/** `node:http` server, read by `fetch` (undici) over a real socket. */
export const http1: Transport = {
  name: 'http1',
  async serve(handler, options) {
    const server = await listen(nodeHandler(handler, options))
    return {
      close: () => server.close(),
      async open(requestHeaders, paused) {
        const abort = new AbortController()
        const response = await fetch(server.url, { headers: requestHeaders, signal: abort.signal })
        const reader = readEvents(response.body!, paused)
        return {
          status: response.status,
          header: (name) => response.headers.get(name),
          reader,
          disconnect: async () => {
            abort.abort()
            reader.resume()
            await reader.ended
          },
        }
      },
    }
  },
}

/** `node:http2` server (compatibility API), read by a `node:http2` client session. */
const http2c: Transport = {
  name: 'http2',
  async serve(handler, options) {
    const server = await listenHttp2(nodeHandler(handler, options))
    const clients = new Set<http2.ClientHttp2Session>()
    return {
      close: async () => {
        for (const client of clients) client.destroy()
        await server.close()
      },
      async open(requestHeaders, paused) {
        const session = http2.connect(server.url)
        clients.add(session)
        const request = session.request({ ':path': '/', ...requestHeaders })
        const [headers] = (await once(request, 'response')) as [http2.IncomingHttpHeaders]
        const reader = readEvents(Readable.toWeb(request) as ReadableStream<Uint8Array>, paused)
        return {
          status: Number(headers[':status']),
          header: (name) => {
            const value = headers[name]
            return value === undefined ? null : String(value)
          },
          reader,
          disconnect: async () => {
            request.close(http2.constants.NGHTTP2_CANCEL)
            session.close()
            reader.resume()
            await reader.ended
          },
        }
      },
    }
  },
}

/** The web sink, read through `Response.body` in the same process, as a runtime would. */
const web: Transport = {
  name: 'web',
  serve(handler, options) {
    return Promise.resolve({
      close: () => Promise.resolve(),
      open(requestHeaders, paused) {
        const sink = createWebSink(requestHeaders?.['last-event-id'])
        const stream = createSseStream(sink, options).init()
        void handler(stream, {})
        const response = new Response(sink.body, { status: 200, headers: sink.headers })
        const reader = readEvents(response.body!, paused)
        return Promise.resolve({
          status: response.status,
          header: (name: string) => response.headers.get(name),
          reader,
          disconnect: () => reader.cancel(),
        })
      },
    })
  },
}

/** Every transport, for `describe.each`. */
export const transports: readonly Transport[] = [http1, http2c, web]
