import {
  resolveStreamOptions,
  extendResolved,
  type ResolvedStreamOptions,
  type SseStreamOptions,
} from '../stream/options.js'
import type { StreamMonitor } from '../stream/monitor.js'
import { loggedMonitor } from '../stream/stream-log.js'
import type { SseStats } from '../stream/stats.js'
import { resolveAdmission, type AdmissionOptions, type StreamAdmission } from './admission.js'
import {
  createStreamGroup,
  statsOf,
  type CloseAllOptions,
  type SseStreamGroup,
} from '../stream/stream-group.js'

/** Stream options as a middleware factory holds them: resolved, with a group for shutdown. */
export interface MiddlewareStreamOptions extends ResolvedStreamOptions {
  readonly group: SseStreamGroup
  /** The middleware's admission limits, if any. */
  readonly admission: StreamAdmission | undefined
}

/**
 * Options of an adapter's `sse()`: defaults for its streams and its admission limits.
 * `Request` is what `clientKey` receives: Express's `req`, Koa's `ctx`, Hono's `c`.
 */
export interface SseAdapterOptions<Request> extends SseStreamOptions, AdmissionOptions<Request> {}

/**
 * What an adapter's `sse()` middleware offers besides handling requests: ending every stream
 * it started, for a graceful shutdown, and figures of its streams.
 */
export interface SseShutdown {
  /**
   * Ends every open stream this middleware started, and those that start afterwards. See
   * {@link SseStreamGroup.closeAll}.
   *
   * @param options - The final event and the grace period.
   * @returns A promise that resolves when every stream's connection is closed.
   *
   * @example
   * ```ts
   * const events = sse()
   * app.use(events)
   * process.on('SIGTERM', async () => {
   *   await events.closeAll({ event: { event: 'shutdown' } })
   *   server.close()
   * })
   * ```
   */
  readonly closeAll: (options?: CloseAllOptions) => Promise<void>
  /**
   * Figures of the streams this middleware started (those of its `group`, when the options
   * name one): open, started, ended by reason, events and bytes sent, slow-client drops,
   * refused streams, upstream calls in flight. See {@link SseStreamGroup.stats}.
   *
   * @returns A new snapshot on each call.
   */
  readonly stats: () => SseStats
}

/**
 * Resolves a middleware factory's options once: stream defaults, a group for shutdown unless
 * the options name one, and the admission limits.
 *
 * @param options - The factory's options.
 * @returns The resolved options, with a group.
 * @throws TypeError naming the first invalid option.
 */
export function resolveMiddlewareOptions(
  options?: SseAdapterOptions<never>
): MiddlewareStreamOptions {
  const resolved = resolveStreamOptions(options)
  const group = resolved.group ?? createStreamGroup()
  const admission = resolveAdmission(options)
  const stats = statsOf(group)
  const { logger } = resolved
  if (admission === undefined) {
    return extendResolved(resolved, { group, admission, monitor: loggedMonitor(stats, logger) })
  }
  const counting: StreamMonitor = {
    opened: () => {
      stats.opened()
    },
    ended: (stream, reason, opened) => {
      admission.release(stream)
      stats.ended(stream, reason, opened)
    },
    sent: (stream, frame, bytes) => {
      stats.sent(stream, frame, bytes)
    },
    upstream: (change) => {
      stats.upstream(change)
    },
  }
  return extendResolved(resolved, { group, admission, monitor: loggedMonitor(counting, logger) })
}

/**
 * Gives a middleware function the {@link SseShutdown.closeAll} and {@link SseShutdown.stats} of
 * its streams' group.
 *
 * @param middleware - The framework middleware.
 * @param options - The options it resolved with {@link resolveMiddlewareOptions}.
 * @returns The same function, with `closeAll` and `stats`.
 */
export function withShutdown<Middleware extends object>(
  middleware: Middleware,
  options: MiddlewareStreamOptions
): Middleware & SseShutdown {
  const { group } = options
  return Object.assign(middleware, {
    closeAll: (closeOptions?: CloseAllOptions) => group.closeAll(closeOptions),
    stats: () => group.stats(),
  })
}
