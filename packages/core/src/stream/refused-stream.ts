import type { SseSink } from '../sink/sink.js'
import type { ResolvedStreamOptions } from './options.js'
import { refuseStream, type InternalStream } from './internal.js'
import { createSseStream } from './stream.js'
import type { SseStream } from './types.js'

/** Never written to: the stream behind it ended before it could start. */
function closedSink(lastEventId: string | undefined): SseSink {
  return {
    keepAlive: false,
    lastEventId,
    bufferedBytes: 0,
    connect: () => undefined,
    open: () => {
      throw new Error('A refused event stream cannot start.')
    },
    write: () => true,
    end: () => undefined,
    whenClosed: () => Promise.resolve(),
  }
}

/**
 * Core-internal: the stream handed to a handler whose request an admission limit refused. It
 * behaves as one whose client left: `clientDisconnected` is `true`, sends resolve
 * `{ clientDisconnected: true }` and `signal` is aborted. Its monitor is told the status the
 * request is answered with, then sees the stream end as `'refused'`.
 *
 * @param lastEventId - The request's `Last-Event-ID`.
 * @param options - The middleware's resolved options.
 * @param status - The status the request is answered with: `503` or `429`.
 * @returns The ended stream.
 */
export function createRefusedStream(
  lastEventId: string | undefined,
  options: ResolvedStreamOptions,
  status: number
): SseStream {
  const stream = createSseStream(closedSink(lastEventId), options) as InternalStream
  options.monitor?.refused?.(stream, status)
  stream[refuseStream]()
  return stream
}
