import {
  checkBoolean,
  checkCount,
  checkFunction,
  checkMilliseconds,
  describe,
  option,
} from '../util/index.js'
import type { SseTimeoutError, SseUpstreamError } from './errors.js'

/**
 * Why a call reconnects:
 *
 * - `'end'`: the upstream ended the stream (with `resumeAfterEnd`, as EventSource does).
 * - `'network'`: the connection failed, before the response or in the middle of the body.
 * - `'timeout'`: no response headers within `timeout`, or nothing for `idleTimeout`.
 */
export type SseRetryReason = 'end' | 'network' | 'timeout'

/** What {@link SseReconnectOptions.onRetry} learns before each reconnection. */
export interface SseRetryInfo {
  /** 1 for the first attempt after a working connection was lost, then 2, 3… */
  readonly attempt: number
  /** Milliseconds the call waits before this attempt. */
  readonly delay: number
  readonly reason: SseRetryReason
  /** What failed; absent when the upstream ended the stream. */
  readonly error?: SseUpstreamError | SseTimeoutError
  /** The id the attempt sends as `Last-Event-ID`, if an id was received. */
  readonly lastEventId: string | undefined
}

/** What {@link SseReconnectOptions.onGiveUp} learns when the call stops trying. */
export interface SseGiveUpInfo {
  /** Reconnection attempts made since the upstream last sent anything. */
  readonly attempts: number
  /**
   * Why the call stops trying: `'attempts'` or `'elapsed'` when a bound was reached, `'final'`
   * when the last failure must not be retried (an answer other than 200 `text/event-stream`,
   * an event over `maxEventSize` or `eventTimeout`).
   */
  readonly reason: 'attempts' | 'elapsed' | 'final'
  /**
   * What the call rejects with; absent when the bounds ran out after the upstream ended the
   * stream, in which case the call ends normally.
   */
  readonly error?: unknown
}

/** How a call reconnects; every field is optional. */
export interface SseReconnectOptions {
  /**
   * Reconnection attempts in a row before giving up. A connection that receives anything (an
   * event, a comment, a heartbeat) counts as working and starts the count over.
   * @defaultValue 10
   */
  maxAttempts?: number
  /**
   * Milliseconds after losing the last working connection (or after the call started, until
   * one works) within which an attempt may start; once the next one would start later, the
   * call gives up. `Infinity`
   * leaves only `maxAttempts`; bound a whole call with `signal: AbortSignal.timeout(ms)`.
   * @defaultValue 120000
   */
  maxElapsed?: number
  /**
   * Milliseconds before the first attempt when the upstream sent no `retry`; each further
   * attempt in a row doubles it, with jitter.
   * @defaultValue 1000
   */
  initialDelay?: number
  /**
   * The longest wait before an attempt, in milliseconds, the upstream's `retry` included, so
   * an enormous `retry` cannot stall the call.
   * @defaultValue 30000
   */
  maxDelay?: number
  /**
   * Also reconnect when the upstream ends the stream normally, as EventSource does: such an
   * upstream says it is done by answering a reconnection with 204. Turn it off for streams
   * that end when their work is done, such as one LLM completion.
   * @defaultValue true
   */
  resumeAfterEnd?: boolean
  /**
   * Repeat a request whose method is not idempotent (POST, PATCH…); without it such requests
   * are never repeated. Only for upstreams where repeating the request is harmless.
   * @defaultValue false
   */
  nonIdempotent?: boolean
  /**
   * Called before each wait for a reconnection. An error it throws fails the call.
   *
   * @param info - The attempt, the delay and why.
   */
  onRetry?: (info: SseRetryInfo) => void
  /**
   * Called once when the call stops reconnecting, just before it fails (or, after the
   * upstream ended the stream, ends). Not called when the call is cancelled or the upstream
   * answers 204.
   *
   * @param info - Why, and what the call rejects with.
   */
  onGiveUp?: (info: SseGiveUpInfo) => void
}

/** Default bound on reconnection attempts in a row. */
const DEFAULT_RECONNECT_ATTEMPTS = 10

/** Default milliseconds a call keeps reconnecting after losing its connection. */
const DEFAULT_RECONNECT_ELAPSED_MS = 120_000

/** Default milliseconds before the first reconnection when the upstream sent no `retry`. */
const DEFAULT_RECONNECT_DELAY_MS = 1000

/** Default cap on the wait before a reconnection, the upstream's `retry` included. */
const DEFAULT_MAX_RECONNECT_DELAY_MS = 30_000

/** Validated reconnection settings of a request that may be repeated. */
export interface ResolvedReconnect {
  readonly maxAttempts: number
  readonly maxElapsed: number
  readonly initialDelay: number
  readonly maxDelay: number
  readonly resumeAfterEnd: boolean
  readonly onRetry: ((info: SseRetryInfo) => void) | undefined
  readonly onGiveUp: ((info: SseGiveUpInfo) => void) | undefined
}

/** Methods whose repetition has the effect of one request (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

/** The outcome of {@link resolveReconnect}. */
export interface ReconnectSetting {
  /** The settings, when the call reconnects. */
  readonly reconnect: ResolvedReconnect | undefined
  /** Why a request asked to reconnect but cannot be repeated, for the debug log. */
  readonly refused: string | undefined
}

const OFF: ReconnectSetting = { reconnect: undefined, refused: undefined }

/**
 * Validates the `reconnect` option, and turns reconnection off for a request that must not be
 * repeated: a non-idempotent method without `nonIdempotent`, or a streamed body, which was
 * consumed by the first connection.
 *
 * @param value - The option.
 * @param method - The request's method.
 * @param streamedBody - Whether the body is a stream.
 * @returns The settings, or why there are none.
 * @throws TypeError naming the first invalid field.
 */
export function resolveReconnect(
  value: unknown,
  method: string,
  streamedBody: boolean
): ReconnectSetting {
  if (value === undefined || value === false) return OFF
  if (value !== true && (typeof value !== 'object' || value === null)) {
    throw new TypeError(
      `The option "reconnect" must be a boolean or an object of reconnection settings; got ${describe(value)}.`
    )
  }
  const options: SseReconnectOptions = value === true ? {} : value
  const { maxAttempts, maxElapsed, initialDelay, maxDelay, resumeAfterEnd } = options
  const reconnect: ResolvedReconnect = {
    maxAttempts:
      maxAttempts === undefined
        ? DEFAULT_RECONNECT_ATTEMPTS
        : checkCount(maxAttempts, option('reconnect.maxAttempts'), { unbounded: true }),
    maxElapsed:
      maxElapsed === undefined
        ? DEFAULT_RECONNECT_ELAPSED_MS
        : checkMilliseconds(maxElapsed, option('reconnect.maxElapsed'), { unbounded: true }),
    initialDelay:
      initialDelay === undefined
        ? DEFAULT_RECONNECT_DELAY_MS
        : checkMilliseconds(initialDelay, option('reconnect.initialDelay')),
    maxDelay:
      maxDelay === undefined
        ? DEFAULT_MAX_RECONNECT_DELAY_MS
        : checkMilliseconds(maxDelay, option('reconnect.maxDelay')),
    resumeAfterEnd:
      resumeAfterEnd === undefined
        ? true
        : checkBoolean(resumeAfterEnd, option('reconnect.resumeAfterEnd')),
    onRetry: optionalFunction(options.onRetry, 'reconnect.onRetry'),
    onGiveUp: optionalFunction(options.onGiveUp, 'reconnect.onGiveUp'),
  }
  const nonIdempotent =
    options.nonIdempotent !== undefined &&
    checkBoolean(options.nonIdempotent, option('reconnect.nonIdempotent'))
  if (streamedBody) return { reconnect: undefined, refused: 'a streamed body cannot be sent twice' }
  if (!nonIdempotent && !IDEMPOTENT_METHODS.has(method.toUpperCase())) {
    return {
      reconnect: undefined,
      refused: `${method} is not idempotent; set reconnect.nonIdempotent to repeat it`,
    }
  }
  return { reconnect, refused: undefined }
}

/**
 * The wait before a reconnection: `base × 2^(attempt − 1)`, capped at `maxDelay`, where the
 * base is the upstream's `retry` when it sent one (honoured exactly on a first attempt) and
 * `initialDelay` otherwise. Without a `retry`, the wait is jittered to between half and all of
 * that, so relays dropped together do not reconnect together; the lower half stays, so the
 * wait still grows.
 *
 * @param settings - The call's reconnection settings.
 * @param attempt - 1 for the first attempt since the connection was lost.
 * @param retry - The upstream's last `retry`, if any.
 * @param random - A number in [0, 1), for tests.
 * @returns Milliseconds to wait.
 */
export function reconnectDelay(
  settings: ResolvedReconnect,
  attempt: number,
  retry: number | undefined,
  random: number = Math.random()
): number {
  const base = retry ?? settings.initialDelay
  // The exponent stops growing long before it matters, so 0 × 2^n never becomes NaN.
  const delay = Math.min(base * 2 ** Math.min(attempt - 1, 40), settings.maxDelay)
  return retry === undefined ? Math.round(delay / 2 + (delay / 2) * random) : delay
}

function optionalFunction<T>(value: T, name: string): T | undefined {
  return value === undefined ? undefined : checkFunction(value, option(name))
}
