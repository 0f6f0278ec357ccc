/**
 * Why a stream ended:
 * - `'client-left'`: the client closed the connection (or the response was ended by other code).
 * - `'closed'`: the app called `close()`.
 * - `'slow-client'`: the client fell more than `maxBufferedBytes` behind (`slowClient:
 *   'disconnect'`).
 * - `'send-timeout'`: a write waited on the client longer than `sendTimeout`.
 * - `'max-duration'`: the stream reached `maxDuration`.
 * - `'shutdown'`: its group's `closeAll()` ended it.
 * - `'refused'`: an admission limit (`maxStreams`, `maxStreamsPerClient`) refused it.
 */
export type SseEndReason =
  | 'client-left'
  | 'closed'
  | 'slow-client'
  | 'send-timeout'
  | 'max-duration'
  | 'shutdown'
  | 'refused'

/**
 * Core-internal: told when the streams of one middleware start and end. It lives in the
 * middleware's resolved options, so a stream pays nothing for it beyond two calls.
 */
export interface StreamMonitor {
  /** The stream (an `SseStream`) answered 200 and may write. */
  opened(stream: object): void
  /**
   * The stream ended, whether or not it had opened. Called once per stream.
   * @param opened - Whether it had opened.
   */
  ended(stream: object, reason: SseEndReason, opened: boolean): void
}
