import {
  lazyNodeStreams,
  resolveMiddlewareOptions,
  withShutdown,
  type SseAdapterOptions,
  type SseShutdown,
} from '@ssekit/core/adapter'
import type { Request, RequestHandler, Response } from 'express'

/** Options of Express's {@link sse}: stream defaults and admission limits; `clientKey` gets `req`. */
export type SseMiddlewareOptions = SseAdapterOptions<Request>

const streams = lazyNodeStreams<Response>({
  property: 'sse',
  // Each Express app gives its responses a prototype inheriting from `express.response`; the
  // getter goes on that shared prototype so handlers of mounted sub-apps see it too. A bare
  // router without an app has no such prototype: the response itself gets the property.
  prototypeOf: (res) =>
    'app' in res ? (Object.getPrototypeOf(Object.getPrototypeOf(res)) as object) : res,
  request: (res) => res.req,
  response: (res) => res,
})

/**
 * Express middleware that gives handlers `res.sse`, the {@link SseStream} of the request.
 * The stream is created when a handler first reads `res.sse`; requests that never do are
 * left alone. Mount it app-wide with `app.use(sse())` or on single routes.
 *
 * The stream stays open after the handler returns, until `res.sse.close()` or the client
 * leaves. An error passed to Express after the stream started reaches your error handlers
 * with `res.headersSent` true; Express's final handler then closes the connection, which
 * ends the stream. `closeAll()` on the middleware ends every stream it started, for a graceful
 * shutdown.
 *
 * With `maxStreams` or `maxStreamsPerClient`, a stream past a limit is refused when a handler
 * first reads `res.sse`: the client gets `503` or `429` with `Retry-After`, and the handler a
 * stream that behaves as if its client had left.
 *
 * @param options - Defaults for every stream of this middleware (`res.sse.init(options)`
 * overrides them per stream) and its admission limits.
 * @returns The middleware, with `closeAll`.
 * @throws TypeError naming the first invalid option.
 *
 * @example
 * ```ts
 * app.use(sse({ heartbeat: 15_000 }))
 * app.get('/events', async (req, res) => {
 *   await res.sse.send({ event: 'tick', data: { n: 1 } })
 * })
 * ```
 */
export function sse(options?: SseMiddlewareOptions): RequestHandler & SseShutdown {
  const resolved = resolveMiddlewareOptions(options)
  const middleware: RequestHandler = function sseMiddleware(_req, res, next) {
    streams.enable(res, resolved)
    next()
  }
  return withShutdown(middleware, resolved)
}
