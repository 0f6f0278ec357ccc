import {
  createSseStream,
  createWebSink,
  type RelayHub,
  type SseStream,
  type SseStreamOptions,
} from '@ssekit/core'
import {
  resolveMiddlewareOptions,
  resolveStreamOptions,
  withShutdown,
  type NodeResponse,
  type ResolvedStreamOptions,
  type SseShutdown,
} from '@ssekit/core/adapter'
import type { Context, MiddlewareHandler } from 'hono'

/** Options of Hono's {@link sse} middleware. */
export interface SseMiddlewareOptions extends SseStreamOptions {
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
   * @param callback - Writes the events; its `stream.signal` aborts when the client leaves.
   * @param options - Overrides of the middleware's options for this stream.
   * @returns The response to return from the route.
   * @throws TypeError for a callback that is not a function or an invalid option.
   */
  stream(callback: (stream: SseStream) => unknown, options?: SseStreamOptions): Response
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
  attach(hub: RelayHub, id: string, options?: { lastEventId?: string | null }): Promise<Response>
}

/** The variables the middleware sets, for apps typed with `new Hono<{ Variables: … }>()`. */
export interface SseVariables {
  sse: SseResponder
}

interface Config {
  readonly options: ResolvedStreamOptions
  readonly onError: NonNullable<SseMiddlewareOptions['onError']>
}

class Responder implements SseResponder {
  readonly #c: Context
  readonly #config: Config

  constructor(c: Context, config: Config) {
    this.#c = c
    this.#config = config
  }

  stream(callback: (stream: SseStream) => unknown, options?: SseStreamOptions): Response {
    if (typeof callback !== 'function') {
      throw new TypeError('The parameter "callback" of c.var.sse.stream() must be a function.')
    }
    const sink = createWebSink(this.#c.req.header('last-event-id'), {
      nodeResponse: nodeResponseOf(this.#c.env),
    })
    const stream = createSseStream(sink, resolveStreamOptions(options, this.#config.options))
    this.#run(callback, stream.init()).catch(console.error)
    // Hono's own builder, so headers set earlier with `c.header()` are kept.
    return this.#c.body(sink.body, 200, sink.headers)
  }

  attach(hub: RelayHub, id: string, options?: { lastEventId?: string | null }): Promise<Response> {
    if (typeof (hub as Partial<RelayHub> | null)?.attach !== 'function') {
      return Promise.reject(
        new TypeError(
          'The parameter "hub" of c.var.sse.attach() must be a relay hub from createRelayHub().'
        )
      )
    }
    return new Promise((resolve, reject) => {
      let answered = false
      const sink = createWebSink(this.#c.req.header('last-event-id'), {
        nodeResponse: nodeResponseOf(this.#c.env),
        onOpen: () => {
          answered = true
          resolve(this.#c.body(sink.body, 200, sink.headers))
        },
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

  async #run(callback: (stream: SseStream) => unknown, stream: SseStream): Promise<void> {
    try {
      await callback(stream)
    } catch (error) {
      this.#config.onError(error, this.#c)
    } finally {
      stream.close()
    }
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
  const onError = options?.onError ?? defaultOnError
  if (typeof onError !== 'function') {
    throw new TypeError('The option "onError" must be a function (error, c) => void.')
  }
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

/**
 * The Node response behind the request when Hono runs on `@hono/node-server`, which passes
 * `{ incoming, outgoing }` as `c.env`: the web sink then writes events to it directly once the
 * server pipes the body, instead of through the body's promise hops. `undefined` elsewhere.
 */
function nodeResponseOf(env: unknown): NodeResponse | undefined {
  if (typeof env !== 'object' || env === null) return undefined
  const { incoming, outgoing } = env as { incoming?: unknown; outgoing?: unknown }
  if (typeof incoming !== 'object' || typeof outgoing !== 'object' || outgoing === null) {
    return undefined
  }
  return typeof (outgoing as Partial<NodeResponse>).write === 'function'
    ? (outgoing as NodeResponse)
    : undefined
}
