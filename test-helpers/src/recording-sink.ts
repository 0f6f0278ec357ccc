import type { SinkListener, SseSink } from '@ssekit/core/adapter'

/** A sink that records, in order, every call that would reach the client. */
export interface RecordingSink extends SseSink {
  /** `'open'`, `'write <text>'`, `'end'` or `'abort'`, one entry per call. */
  readonly io: string[]
}

/** Creates a {@link RecordingSink} whose writes always succeed. */
export function recordingSink(): RecordingSink {
  const io: string[] = []
  return {
    io,
    keepAlive: true,
    lastEventId: undefined,
    bufferedBytes: 0,
    connect: (_listener: SinkListener) => undefined,
    open: () => io.push('open'),
    write: (text) => io.push(`write ${text}`) > 0,
    end: (abort) => io.push(abort ? 'abort' : 'end'),
    whenClosed: () => Promise.resolve(),
  }
}
