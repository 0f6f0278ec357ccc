import type { UpstreamEvent } from '../event/upstream-event.js'

/**
 * What went wrong with the upstream:
 *
 * - `'status'`: it answered with a status other than 200.
 * - `'media-type'`: it answered 200 with a media type other than `text/event-stream`.
 * - `'network'`: the connection failed, before the response or in the middle of the body.
 * - `'event-too-large'`: an event (or an unterminated line) grew past `maxEventSize`.
 * - `'redirect'`: a redirect was refused: to another origin (unless `redirect: 'follow'`), from
 *   https to http, after 20 redirects, one that would send a streamed body again, one without
 *   a usable `Location`, or any with `redirect: 'error'`. Never retried.
 */
export type SseUpstreamErrorType =
  'status' | 'media-type' | 'network' | 'event-too-large' | 'redirect'

/** Fields of an {@link SseUpstreamError}. */
export interface SseUpstreamErrorInit {
  readonly type: SseUpstreamErrorType
  readonly url: string
  readonly status: number
  readonly contentType: string | null
  readonly body?: string
  readonly cause?: unknown
}

/**
 * The upstream could not be used as an event stream: it answered with a status other than
 * 200 or a media type other than `text/event-stream` (rejected before any event is returned
 * or forwarded), a redirect was refused, the connection failed, or an event exceeded
 * `maxEventSize`.
 *
 * @example
 * ```ts
 * try {
 *   await res.sse.request({ url, forward: true })
 * } catch (error) {
 *   if (error instanceof SseUpstreamError && error.type === 'status') {
 *     res.status(502).json({ upstreamStatus: error.status })
 *   } else throw error
 * }
 * ```
 */
export class SseUpstreamError extends Error {
  override readonly name = 'SseUpstreamError'
  /** The kind of failure; see {@link SseUpstreamErrorType}. */
  readonly type: SseUpstreamErrorType
  /**
   * The response status; `0` when the connection failed before any response, or for a
   * redirect the `fetch` in use hid (an opaque redirect).
   */
  readonly status: number
  /** The raw `Content-Type` header of the response; `null` when absent or when none came. */
  readonly contentType: string | null
  /**
   * The URL requested, without credentials, since errors get logged: no user info, and every
   * query value `[redacted]` unless its name is a known harmless one (`model`, `stream`,
   * `page`, `api-version`…). The caller has the URL they passed if they need it whole.
   */
  readonly url: string
  /** The first 4 KiB of the response body as text, for a `'status'` or `'media-type'` error. */
  readonly body: string
  /**
   * The events the call collected before it failed, in arrival order. Always empty for
   * `sseEvents` (which already yielded them) and with `collect: false`.
   */
  readonly events: readonly UpstreamEvent[] = []

  /**
   * @param message - What happened, for humans.
   * @param init - The error's fields.
   */
  constructor(message: string, init: SseUpstreamErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause })
    this.type = init.type
    this.status = init.status
    this.contentType = init.contentType
    this.url = init.url
    this.body = init.body ?? ''
  }
}

/**
 * When a timeout passed: waiting for the response headers (`'connect'`), between two upstream
 * chunks (`'idle'`), or while one event was arriving (`'event'`).
 */
export type SseTimeoutPhase = 'connect' | 'idle' | 'event'

/**
 * The upstream took too long: no response headers within `timeout` (`phase: 'connect'`), no
 * bytes for `idleTimeout` while the body was being read (`phase: 'idle'`), or more than
 * `eventTimeout` to complete one event (`phase: 'event'`). The upstream connection is closed
 * when this is thrown.
 */
export class SseTimeoutError extends Error {
  override readonly name = 'SseTimeoutError'
  /** Which timeout passed. */
  readonly phase: SseTimeoutPhase
  /** The timeout that passed, in milliseconds. */
  readonly timeout: number
  /** The URL requested, redacted as in {@link SseUpstreamError.url}. */
  readonly url: string
  /** The events the call collected before it timed out; see {@link SseUpstreamError.events}. */
  readonly events: readonly UpstreamEvent[] = []

  /**
   * @param phase - Which timeout passed.
   * @param timeout - Its value in milliseconds.
   * @param url - The redacted URL.
   */
  constructor(phase: SseTimeoutPhase, timeout: number, url: string) {
    super(
      phase === 'connect'
        ? `The upstream ${url} sent no response headers within ${timeout} ms (timeout).`
        : phase === 'idle'
          ? `The upstream ${url} sent nothing for ${timeout} ms (idleTimeout).`
          : `The upstream ${url} took more than ${timeout} ms to send one event (eventTimeout).`
    )
    this.phase = phase
    this.timeout = timeout
    this.url = url
  }
}

/**
 * Records on a call's error the events the call collected before it failed.
 *
 * @param error - Whatever the call is about to throw.
 * @param events - The collected events.
 * @returns The same error.
 */
export function withEvents(error: unknown, events: readonly UpstreamEvent[]): unknown {
  if (error instanceof SseUpstreamError || error instanceof SseTimeoutError) {
    ;(error as { events: readonly UpstreamEvent[] }).events = events
  }
  return error
}
