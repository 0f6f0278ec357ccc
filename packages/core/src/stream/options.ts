import {
  checkCount,
  checkMilliseconds,
  checkStreamHeaders,
  describe,
  option,
  otherCopyNote,
} from '../util/index.js'
import { formatEventOption, type SseEvent } from '../event/format.js'
import { isStreamGroup, statsOf, type SseStreamGroup } from './stream-group.js'
import type { StreamMonitor } from './monitor.js'
import { checkDebug, pickLogger, type SseLogger } from '../util/log.js'
import { countingMonitor, loggedMonitor } from './stream-log.js'

/**
 * What a stream does with a send that finds more than `maxBufferedBytes` still unsent, which
 * happens only when sends are not awaited or several producers share one stream.
 *
 * - `'disconnect'`: the client is too far behind; end the stream and resolve
 *   `{ clientDisconnected: true }`. Memory per stream stays within the bound.
 * - `'wait'`: hold the send until the client catches up. The held events live in the
 *   caller's pending promises, so memory is bounded only if the caller awaits.
 */
export type SlowClientPolicy = 'wait' | 'disconnect'

/**
 * Options of an event stream, given to an adapter's `sse()` factory and overridable per
 * stream in {@link SseStream.init}.
 */
export interface SseStreamOptions {
  /**
   * Milliseconds of silence after which a keep-alive comment is sent: never later, and at
   * most a twentieth of it (at least 1 ms) earlier. Any write restarts the wait. `0` disables
   * them.
   * @defaultValue 15000
   */
  heartbeat?: number
  /**
   * Sends each heartbeat as an event of this type (with empty data) instead of a comment, so
   * that browser code can see it: `EventSource` hides comments. A client that listens for it
   * can tell a dead connection from a quiet one when none arrives for a while.
   * @defaultValue none: heartbeats are `:` comments
   */
  heartbeatEvent?: string
  /** Reconnection delay (ms) sent to the client once, when the stream starts. */
  retry?: number
  /**
   * Extra response headers, sent with the SSE headers when the stream starts. `Content-Length`
   * and `Transfer-Encoding` are refused: the server frames the stream itself.
   */
  headers?: Record<string, string>
  /**
   * Bytes a slow client may leave unsent before `slowClient` applies. Awaited sends wait for
   * the socket to drain long before this, as `res.write` users do.
   * @defaultValue 262144 (256 KiB)
   */
  maxBufferedBytes?: number
  /**
   * What happens to a send made while more than `maxBufferedBytes` are unsent.
   * @defaultValue 'disconnect'
   */
  slowClient?: SlowClientPolicy
  /**
   * Milliseconds a send may wait for a client to take its bytes (backpressure, or a heartbeat
   * the socket cannot flush) before the client counts as gone: the stream ends, the send
   * resolves `{ clientDisconnected: true }` and `signal` aborts. `0` waits forever.
   * @defaultValue 30000
   */
  sendTimeout?: number
  /**
   * Milliseconds after which the stream ends by itself, sending `finalEvent` first. Clients
   * reconnect (to any instance), which spreads long-lived connections as servers come and go.
   * Each stream ends at a random moment in the last tenth of it (90 to 100 %), so streams
   * opened together do not all end together.
   * `0` means no limit.
   * @defaultValue 0
   */
  maxDuration?: number
  /** An event sent just before the stream ends because of `maxDuration`. */
  finalEvent?: SseEvent
  /**
   * A group that tracks the stream while it is open, to end every stream at shutdown with
   * {@link SseStreamGroup.closeAll}. Adapters' `sse()` middleware creates one per factory.
   */
  group?: SseStreamGroup
  /**
   * `true` writes debug records of the stream's life through `console.debug`, each line
   * prefixed `[ssekit]`; a function receives them instead, as for upstream calls.
   * `NODE_DEBUG=ssekit` turns logging on for every stream. Records: `stream-open` (status,
   * headers), `stream-send` (event type, bytes, whether the client had left),
   * `stream-backpressure` and `stream-drain` (a write waiting on the client, and for how
   * long), `stream-end` (the reason, events and bytes sent). Credentials in headers are
   * redacted; event data never appears. The stream's `request()` calls log to the same place
   * unless they set `debug` themselves.
   * @defaultValue false
   */
  debug?: boolean | SseLogger
}

/** {@link SseStreamOptions} with every default applied. */
export interface ResolvedStreamOptions {
  readonly heartbeat: number
  /** The frame each heartbeat writes: a bare comment, or the `heartbeatEvent`. */
  readonly heartbeatFrame: string
  readonly retry: number | undefined
  readonly headers: Readonly<Record<string, string>> | undefined
  readonly maxBufferedBytes: number
  readonly slowClient: SlowClientPolicy
  readonly sendTimeout: number
  readonly maxDuration: number
  /** `finalEvent`, serialized once. */
  readonly finalFrame: string | undefined
  readonly group: SseStreamGroup | undefined
  /** Where debug records go, if anywhere: `debug`, or `NODE_DEBUG=ssekit`. */
  readonly logger: SseLogger | undefined
  /**
   * Core-internal: the middleware's watcher of its streams, wrapped in the debug log when
   * `logger` is set; not an option users set.
   */
  readonly monitor: StreamMonitor | undefined
}

/** Default milliseconds between heartbeat comments. */
const DEFAULT_HEARTBEAT_MS = 15_000

/**
 * Default bound on unsent bytes per stream: well above any burst an awaited producer leaves
 * (it waits at the socket's 16 KiB high-water mark) and small enough that a thousand stuck
 * clients hold at most 256 MiB.
 */
const DEFAULT_MAX_BUFFERED_BYTES: number = 256 * 1024

/** Default milliseconds a send may wait for a stuck client. */
const DEFAULT_SEND_TIMEOUT_MS = 30_000

/** Options objects this module produced, so resolving them again costs nothing. */
const resolved = new WeakSet<object>()

const DEFAULTS: ResolvedStreamOptions = {
  heartbeat: DEFAULT_HEARTBEAT_MS,
  heartbeatFrame: ':\n\n',
  retry: undefined,
  headers: undefined,
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  slowClient: 'disconnect',
  sendTimeout: DEFAULT_SEND_TIMEOUT_MS,
  maxDuration: 0,
  finalFrame: undefined,
  group: undefined,
  logger: undefined,
  monitor: undefined,
}

/** The defaults when `NODE_DEBUG` names `ssekit`: every stream logs to `console.debug`. */
let debugDefaults: ResolvedStreamOptions | undefined

/** The defaults, with the debug log on when `NODE_DEBUG` asks for it. */
function defaults(): ResolvedStreamOptions {
  const logger = pickLogger(undefined)
  if (logger === undefined) return DEFAULTS
  debugDefaults ??= { ...DEFAULTS, logger, monitor: loggedMonitor(undefined, logger) }
  resolved.add(debugDefaults)
  return debugDefaults
}

/**
 * Validates options and merges them over a base (the factory's resolved options, or the
 * defaults). Resolving an already resolved object returns it as is, so a middleware factory
 * resolves once and each request reuses the result.
 *
 * @param overrides - Options given by the caller; `undefined` fields keep the base value.
 * @param given - Already resolved options to start from; the defaults pick up `NODE_DEBUG`.
 * @returns The resolved options.
 * @throws TypeError naming the first invalid option.
 */
export function resolveStreamOptions(
  overrides: SseStreamOptions | undefined,
  given: ResolvedStreamOptions = DEFAULTS
): ResolvedStreamOptions {
  if (overrides === undefined) return given === DEFAULTS ? defaults() : given
  if (typeof (overrides as unknown) !== 'object' || (overrides as unknown) === null) {
    throw new TypeError(`SSE stream options must be an object; got ${describe(overrides)}.`)
  }
  if (given === DEFAULTS && resolved.has(overrides)) return overrides as ResolvedStreamOptions
  const base = given === DEFAULTS ? defaults() : given
  const { heartbeat, heartbeatEvent, retry, headers, maxBufferedBytes, slowClient } = overrides
  const { sendTimeout, maxDuration, finalEvent, group, debug } = overrides
  const logger = debug === undefined ? base.logger : pickLogger(checkDebug(debug))
  const result: ResolvedStreamOptions = {
    heartbeat:
      heartbeat === undefined ? base.heartbeat : checkMilliseconds(heartbeat, option('heartbeat')),
    heartbeatFrame:
      heartbeatEvent === undefined ? base.heartbeatFrame : heartbeatFrameOf(heartbeatEvent),
    retry: retry === undefined ? base.retry : checkMilliseconds(retry, option('retry')),
    headers:
      headers === undefined
        ? base.headers
        : { ...base.headers, ...checkStreamHeaders(headers, 'headers') },
    maxBufferedBytes:
      maxBufferedBytes === undefined
        ? base.maxBufferedBytes
        : checkCount(maxBufferedBytes, option('maxBufferedBytes')),
    slowClient: slowClient === undefined ? base.slowClient : checkPolicy(slowClient),
    sendTimeout:
      sendTimeout === undefined
        ? base.sendTimeout
        : checkMilliseconds(sendTimeout, option('sendTimeout')),
    maxDuration:
      maxDuration === undefined
        ? base.maxDuration
        : checkMilliseconds(maxDuration, option('maxDuration')),
    finalFrame:
      finalEvent === undefined ? base.finalFrame : formatEventOption(finalEvent, 'finalEvent'),
    group: group === undefined ? base.group : checkGroup(group),
    logger,
    monitor: monitorOf(base, group, logger),
  }
  resolved.add(result)
  return result
}

/**
 * The monitor of streams with these options: a group counts its streams, unless a
 * middleware's monitor already does, and the debug log wraps whichever counts.
 */
function monitorOf(
  base: ResolvedStreamOptions,
  group: SseStreamGroup | undefined,
  logger: SseLogger | undefined
): StreamMonitor | undefined {
  const baseCounting = countingMonitor(base.monitor)
  const counting = baseCounting ?? (group === undefined ? undefined : statsOf(group))
  if (logger === base.logger && counting === baseCounting) return base.monitor
  return loggedMonitor(counting, logger)
}

function heartbeatFrameOf(type: unknown): string {
  if (typeof type !== 'string' || type === '') {
    throw new TypeError(
      `The option "heartbeatEvent" must be a non-empty event type; got ${describe(type)}.`
    )
  }
  return formatEventOption({ event: type, data: '' }, 'heartbeatEvent')
}

function checkGroup(value: unknown): SseStreamGroup {
  if (!isStreamGroup(value)) {
    throw new TypeError(
      `The option "group" must come from createStreamGroup(); got ${describe(value)}.${otherCopyNote(value, ['closeAll'])}`
    )
  }
  return value
}

function checkPolicy(value: unknown): SlowClientPolicy {
  if (value !== 'wait' && value !== 'disconnect') {
    throw new TypeError(
      `The option "slowClient" must be 'wait' or 'disconnect'; got ${describe(value)}.`
    )
  }
  return value
}

/**
 * Core-internal: resolved options with more fields (a middleware's monitor and limits), still
 * known as resolved, so streams created with them skip validation.
 *
 * @param options - Resolved options.
 * @param extra - Fields to add or replace.
 * @returns A copy of `options` with `extra`.
 */
export function extendResolved<Extra extends object>(
  options: ResolvedStreamOptions,
  extra: Extra
): ResolvedStreamOptions & Extra {
  const result = { ...options, ...extra }
  resolved.add(result)
  return result
}
