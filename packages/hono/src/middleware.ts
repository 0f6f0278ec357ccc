import {
  createSseStream,
  type RelayHub,
  type SseRequestOptions,
  type SseStream,
  type SseStreamOptions,
  type WebSink,
} from '@ssekit/core'
import type { AnySseStream, RegisteredEvents, SseEventMap } from '@ssekit/core/types'
import {
  admitStream,
  checkFunction,
  option,
  forwardStream,
  resolveMiddlewareOptions,
  resolveStreamOptions,
  withShutdown,
  type MiddlewareStreamOptions,
  type SseAdapterOptions,
  type SseShutdown,
} from '@ssekit/core/adapter'
import type { Context, MiddlewareHandler } from 'hono'
import { createHonoSink } from './sink.js'

/** Options of Hono's {@link sse} middleware: stream defaults, admission limits and `onError`. */
export interface SseMiddlewareOptions extends SseAdapterOptions<Context> {
  /**
   * Receives an error thrown by a `c.var.sse.stream` callback; the stream is closed after.
   * @defaultValue `console.error`
   */
  onError?: (error: unknown, c: Context) => void
}

/** `c.var.sse`: answers the request with an event stream. */
export interface SseResponder {
  /**
   * Answers with an event stream: returns the `Response` at once and runs `callback` while
   * it streams. The stream closes when the callback settles; an error it throws goes to the
   * middleware's `onError`.
   *
   * @typeParam Events - The stream's event map: the registered one by default, or one given
   * for this route, as in `c.var.sse.stream<ChatEvents>(…)`.
   * @param callback - Writes the events; its `stream.signal` aborts when the client leaves.
   * @param options - Overrides of the middleware's options for this stream.
   * @returns The response to return from the route.
   * @throws TypeError for a callback that is not a function or an invalid option.
   */
  stream<Events extends SseEventMap = RegisteredEvents>(
    callback: (stream: SseStream<Events>) => unknown,
    options?: SseStreamOptions
  ): Response
  /**
   * Answers with an upstream event stream, its events forwarded live as `stream.request` with
   * `forward: true` does. Resolves with the streaming `Response` only once the upstream
   * answered 200 `text/event-stream`; otherwise rejects, so the route can still answer with
   * a status. The stream closes when the upstream ends or the client leaves (which closes the
   * upstream connection); a failure after the response was returned goes to `onError`.
   * Events are not collected (`collect` is `false`): nothing would read them.
   *
   * @param options - The upstream request; `forward` is always `true`.
   * @param streamOptions - Overrides of the middleware's options for this stream.
   * @returns The response to return from the route.
   * @throws Rejects with {@link SseUpstreamError} or {@link SseTimeoutError} when the upstream
   * fails before its first event; with a TypeError for an invalid option.
   *
   * @example
   * ```ts
   * app.get('/prices', async (c) => {
   *   try {
   *     return await c.var.sse.request({ url: 'https://feed.example.com/prices' })
   *   } catch (error) {
   *     if (error instanceof SseUpstreamError || error instanceof SseTimeoutError) {
   *       return c.json({ error: 'upstream unavailable' }, 502)
   *     }
   *     throw error
   *   }
   * })
   * ```
   */
  request(options: SseRequestOptions, streamOptions?: SseStreamOptions): Promise<Response>
  /**
   * Attaches the client to a relay, as `hub.attach` does elsewhere: resolves with the
   * streaming `Response` once the relay's events start, or with `204 No Content` when the
   * client has every event of a finished relay.
   *
   * @param hub - The relay hub.
   * @param id - The relay's id.
   * @param options - `lastEventId`: the cursor, overriding the request's `Last-Event-ID`;
   * `null` replays everything.
   * @returns The response to return from the route.
   * @throws Rejects with `RelayNotFoundError` for an unknown or expired id (answer 404), with
   * a TypeError for invalid arguments.
   */
  attach<Events extends SseEventMap>(
    hub: RelayHub<Events>,
    id: string,
    options?: { lastEventId?: string | null }
  ): Promise<Response>
}

/** The variables the middleware sets, for apps typed with `new Hono<{ Variables: … }>()`. */
export interface SseVariables {
  sse: SseResponder
}

interface Config {
  readonly options: MiddlewareStreamOptions
  readonly onError: NonNullable<SseMiddlewareOptions['onError']>
}

class Responder implements SseResponder {
  readonly #c: Context
  readonly #config: Config

  constructor(c: Context, config: Config) {
    this.#c = c
    this.#config = config
  }

  stream(callback: (stream: AnySseStream) => unknown, options?: SseStreamOptions): Response {
    if (typeof callback !== 'function') {
      throw new TypeError('The parameter "callback" of c.var.sse.stream() must be a function.')
    }
    const { sink, stream, refusal } = this.#open(options)
    runCallback(callback, stream.init(), this.#errorReporter())
    return this.#answer(sink, refusal)
  }

  async request(options: SseRequestOptions, streamOptions?: SseStreamOptions): Promise<Response> {
    const { sink, stream, refusal } = this.#open(streamOptions)
    if (sink === undefined) return this.#answer(sink, refusal)
    const request =
      typeof options === 'object' && (options as unknown) !== null
        ? { ...options, forward: true, collect: false }
        : options
    // Until the response is returned, only the request tells that the client left.
    const clientSignal = this.#c.req.raw.signal
    const leave = (): void => {
      stream.close()
    }
    if (clientSignal.aborted) leave()
    else clientSignal.addEventListener('abort', leave, { once: true })
    let finished: Promise<unknown>
    try {
      ;({ finished } = await forwardStream(stream, request))
    } catch (error) {
      stream.close()
      throw error
    } finally {
      clientSignal.removeEventListener('abort', leave)
    }
    finished
      .catch((error: unknown) => {
        this.#config.onError(error, this.#c)
      })
      .finally(() => {
        stream.close()
      })
      .catch(console.error)
    // Started by now (or closed, when the client left first), so its headers are known.
    return this.#answer(sink, refusal)
  }

  /** Opens a stream, or a refused one (no sink) when an admission limit says no. */
  #open(options: SseStreamOptions | undefined): {
    sink: WebSink | undefined
    stream: SseStream
    refusal: ReturnType<typeof admitStream>['refusal']
  } {
    const c = this.#c
    const resolved = resolveStreamOptions(options, this.#config.options)
    let sink: WebSink | undefined
    const { stream, refusal } = admitStream(
      this.#config.options,
      c,
      () => peerOf(c.env),
      () => c.req.header('last-event-id'),
      () => {
        sink = createHonoSink(c)
        return createSseStream(sink, resolved)
      }
    )
    return { sink, stream, refusal }
  }

  /** Hono's own builder, so headers set earlier with `c.header()` are kept. */
  #answer(sink: WebSink | undefined, refusal: ReturnType<typeof admitStream>['refusal']): Response {
    if (sink === undefined) return this.#c.body(null, refusal?.status ?? 503, refusal?.headers)
    return this.#c.body(sink.body, 200, sink.headers)
  }

  attach<Events extends SseEventMap>(
    hub: RelayHub<Events>,
    id: string,
    options?: { lastEventId?: string | null }
  ): Promise<Response> {
    if (typeof (hub as Partial<RelayHub> | null)?.attach !== 'function') {
      return Promise.reject(
        new TypeError(
          'The parameter "hub" of c.var.sse.attach() must be a relay hub from createRelayHub().'
        )
      )
    }
    return new Promise((resolve, reject) => {
      let answered = false
      const sink = createHonoSink(this.#c, () => {
        answered = true
        resolve(this.#c.body(sink.body, 200, sink.headers))
      })
      const stream = createSseStream(sink, this.#config.options)
      hub.attach(id, stream, options).then(
        () => {
          stream.close()
          if (!answered) resolve(this.#c.body(null, 204))
        },
        (error: unknown) => {
          stream.close()
          if (answered) this.#config.onError(error, this.#c)
          else reject(error)
        }
      )
    })
  }

  /**
   * What receives an error of a stream callback. It holds the request's context only for an
   * `onError` of the app's, which may read it: the default's does not, and a stream that waits
   * for its client to leave then keeps none of the request's objects alive.
   */
  #errorReporter(): (error: unknown) => void {
    const { onError } = this.#config
    if (onError === defaultOnError) return defaultOnError
    const c = this.#c
    return (error) => {
      onError(error, c)
    }
  }
}

/**
 * Runs a stream callback, reports what it throws, and closes the stream once it settles. Not
 * an async function: an idle stream's callback may wait for hours, and the suspended function
 * would hold more memory than one reaction to its promise.
 */
function runCallback(
  callback: (stream: AnySseStream) => unknown,
  stream: SseStream,
  report: (error: unknown) => void
): void {
  let result: unknown
  try {
    result = callback(stream)
  } catch (error) {
    reportAndClose(stream, report, error)
    return
  }
  Promise.resolve(result).then(
    () => {
      stream.close()
    },
    (error: unknown) => {
      reportAndClose(stream, report, error)
    }
  )
}

/** Reports a callback's error, and closes its stream even when reporting throws. */
function reportAndClose(stream: SseStream, report: (error: unknown) => void, error: unknown): void {
  try {
    report(error)
  } catch (reportError) {
    console.error(reportError)
  } finally {
    stream.close()
  }
}

/**
 * Hono middleware that sets `c.var.sse` (also `c.get('sse')`), whose `stream(callback)`
 * answers with an event stream. Works on every runtime Hono runs on; mount it app-wide with
 * `app.use(sse())` or on single routes. `closeAll()` on the middleware ends every stream it
 * started, for a graceful shutdown.
 *
 * @param options - Defaults for every stream, and `onError`.
 * @returns The middleware, with `closeAll`.
 * @throws TypeError naming the first invalid option.
 *
 * @example
 * ```ts
 * app.use(sse())
 * app.get('/events', (c) =>
 *   c.var.sse.stream(async (stream) => {
 *     await stream.send({ data: 'hi' })
 *   })
 * )
 * ```
 */
export function sse(
  options?: SseMiddlewareOptions
): MiddlewareHandler<{ Variables: SseVariables }> & SseShutdown {
  const onError = checkFunction(options?.onError ?? defaultOnError, option('onError'))
  const resolved = resolveMiddlewareOptions(options)
  const config: Config = { options: resolved, onError }
  const middleware: MiddlewareHandler<{ Variables: SseVariables }> = function sseMiddleware(
    c,
    next
  ) {
    c.set('sse', new Responder(c, config))
    return next()
  }
  return withShutdown(middleware, resolved)
}

function defaultOnError(error: unknown): void {
  console.error(error)
}

/** The client's address on `@hono/node-server`, which passes `{ incoming, outgoing }` as `c.env`. */
function peerOf(env: unknown): string | undefined {
  if (typeof env !== 'object' || env === null) return undefined
  const { incoming } = env as { incoming?: { socket?: { remoteAddress?: unknown } } }
  const address = incoming?.socket?.remoteAddress
  return typeof address === 'string' ? address : undefined
}
