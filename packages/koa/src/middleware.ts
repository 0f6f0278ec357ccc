import {
  lazyNodeStreams,
  resolveMiddlewareOptions,
  withShutdown,
  type SseAdapterOptions,
  type SseShutdown,
} from '@ssekit/core/adapter'
import type { Context, Middleware } from 'koa'

/** Options of Koa's {@link sse}: stream defaults and admission limits; `clientKey` gets `ctx`. */
export type SseMiddlewareOptions = SseAdapterOptions<Context>

const streams = lazyNodeStreams<Context>({
  property: 'sse',
  // Koa creates each `ctx` from `app.context`, the place it documents for extending `ctx`.
  prototypeOf: (ctx) => ctx.app.context,
  request: (ctx) => ctx.req,
  response: (ctx) => ctx.res,
  clientKeyArgument: (ctx) => ctx,
  // Koa writes `ctx.body` only once the middleware chain resolves; the stream writes to
  // `ctx.res` as the handler runs, so Koa must leave the response alone.
  onOpen: (ctx) => {
    ctx.respond = false
    ignoreConnectionErrors(ctx)
  },
})

/** Where a stream's `ctx` keeps the `onerror` it had before the stream started. */
const reportKey = Symbol('ssekit.onerror')

interface StreamContext extends Context {
  [reportKey]: Context['onerror']
}

/**
 * Koa reports an error of the connection itself (`onFinished` sees the socket fail) as an app
 * error. Once the stream owns the response, a client resetting the connection is the stream's
 * normal end, seen as `clientDisconnected`; other errors are still reported.
 */
function ignoreConnectionErrors(ctx: Context): void {
  const context = ctx as StreamContext
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called on `ctx` again below
  context[reportKey] = context.onerror
  context.onerror = onerrorOfStream
}

/**
 * The `ctx.onerror` of every stream, one function for all of them (Koa calls it on `ctx`),
 * so that an open stream costs no function of its own.
 */
function onerrorOfStream(this: StreamContext, error: Error): void {
  const { socket } = this.req
  if (socket.errored !== null && error === socket.errored) return
  this[reportKey](error)
}

/**
 * Koa middleware that gives handlers `ctx.sse`, the {@link SseStream} of the request.
 * The stream is created when a handler first reads `ctx.sse`; requests that never do get
 * Koa's ordinary response. Once started, the stream answers instead of Koa, so events reach
 * the client while the handler is still awaiting, and it stays open after the handler
 * returns, until `ctx.sse.close()` or the client leaves. Mount it app-wide with
 * `app.use(sse())` or on single routes.
 *
 * An error thrown downstream after the stream started ends the stream and goes on to Koa,
 * which reports it through `app.on('error')`. `closeAll()` on the middleware ends every
 * stream it started, for a graceful shutdown.
 *
 * With `maxStreams` or `maxStreamsPerClient`, a stream past a limit is refused when a handler
 * first reads `ctx.sse`: the client gets `503` or `429` with `Retry-After`, and the handler a
 * stream that behaves as if its client had left.
 *
 * @param options - Defaults for every stream of this middleware (`ctx.sse.init(options)`
 * overrides them per stream) and its admission limits.
 * @returns The middleware, with `closeAll`.
 * @throws TypeError naming the first invalid option.
 *
 * @example
 * ```ts
 * app.use(sse())
 * router.get('/events', async (ctx) => {
 *   await ctx.sse.send({ data: 'hi' })
 * })
 * ```
 */
export function sse(options?: SseMiddlewareOptions): Middleware & SseShutdown {
  const resolved = resolveMiddlewareOptions(options)
  const middleware: Middleware = async function sseMiddleware(ctx, next) {
    streams.enable(ctx, resolved)
    try {
      await next()
    } catch (error) {
      streams.created(ctx)?.close()
      throw error
    }
  }
  return withShutdown(middleware, resolved)
}
