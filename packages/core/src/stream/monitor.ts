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
 * Core-internal: told when the streams of one middleware (or group) start, write and end. It
 * lives in the resolved options, so a stream pays nothing for it beyond a call per event. The
 * optional members are called on slow paths only (a send after the end, backpressure).
 */
export interface StreamMonitor {
  /**
   * The stream (an `SseStream`) answered 200 and may write.
   * @param headers - The response headers it sent.
   */
  opened(stream: object, headers: Readonly<Record<string, string>>): void
  /**
   * The stream ended, whether or not it had opened. Called once per stream.
   * @param opened - Whether it had opened.
   */
  ended(stream: object, reason: SseEndReason, opened: boolean): void
  /**
   * The stream wrote a frame of one or more events (or a comment) for the client.
   * @param bytes - The frame's UTF-8 size when the stream knew it without measuring the frame.
   */
  sent(stream: object, frame: string, bytes?: number): void
  /** A send found the stream ended: the frame was not written. */
  unsent?(stream: object, frame: string): void
  /**
   * A write met backpressure: the client has not taken what was written yet.
   * @param bufferedBytes - Bytes still unsent.
   */
  blocked?(stream: object, bufferedBytes: number): void
  /** The client took what was buffered; the stream may write again. */
  drained?(stream: object): void
  /**
   * An admission limit refused the stream, which is about to end as `'refused'`.
   * @param status - The status the request is answered with: `503` or `429`.
   */
  refused?(stream: object, status: number): void
  /** An upstream call of the stream started (`1`) or settled (`-1`). */
  upstream(change: 1 | -1): void
}

/**
 * Counts an upstream call in flight until it settles.
 *
 * @param monitor - The stream's monitor.
 * @param call - The call's promise.
 * @returns The same promise.
 */
export function countUpstream<Result>(
  monitor: StreamMonitor,
  call: Promise<Result>
): Promise<Result> {
  monitor.upstream(1)
  const settled = (): void => {
    monitor.upstream(-1)
  }
  call.then(settled, settled)
  return call
}
