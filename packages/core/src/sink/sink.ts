import { describe } from '../util/index.js'

/**
 * Receives what happens to a sink's connection. An {@link SseStream} implements it.
 */
export interface SinkListener {
  /** The sink's buffer fell below its high-water mark after a write returned `false`. */
  onDrain(): void
  /**
   * The stream is over: the client left, or the response ended, whoever ended it. May be called
   * from within {@link SseSink.write}.
   */
  onClose(): void
}

/**
 * Where an event stream writes: the one seam between the stream's logic and a runtime.
 * `createNodeSink` wraps a Node response (HTTP/1.1 or HTTP/2), `createWebSink` a web-standard
 * `ReadableStream`. Adapters build a sink from their framework's objects and hand it to
 * `createSseStream`.
 */
export interface SseSink {
  /**
   * Whether the response carries `Connection: keep-alive`: a persistent HTTP/1.1 connection.
   * Never on HTTP/2, which forbids connection-specific headers.
   */
  readonly keepAlive: boolean
  /** The request's `Last-Event-ID` header, if any, decoded from UTF-8 when its bytes are. */
  readonly lastEventId: string | undefined
  /** Bytes accepted by {@link SseSink.write} and not yet handed to the connection. */
  readonly bufferedBytes: number
  /** Registers the stream for drain and close notifications. Called once, before `open`. */
  connect(listener: SinkListener): void
  /**
   * Starts the response: status 200 with these headers (plus any already set on the response
   * by other middleware), sent to the client at once.
   * @throws Error when the response has already started.
   */
  open(headers: Record<string, string>): void
  /**
   * Answers `204 No Content` instead of starting the stream, and ends the response; the
   * listener is not notified. Optional: a stream over a sink without it starts and closes an
   * empty event stream instead.
   * @throws Error when the response has already started.
   */
  noContent?(): void
  /**
   * Writes one or more frames. Once the response has ended, whoever ended it, nothing is
   * written (a write after the end would be an unhandled error) and the listener is told.
   * @returns `false` when the buffer is above its high-water mark: wait for `onDrain`; `true`
   * once the response has ended.
   */
  write(text: string): boolean
  /**
   * Ends the response and stops notifying the listener. `abort` drops the connection instead
   * of flushing what is buffered, for clients that stopped reading; it may follow a plain
   * `end` to cut a response that is taking too long to flush.
   */
  end(abort: boolean): void
  /**
   * Resolves once the connection has closed and nothing more can reach the client (for a web
   * body, once it is closed or cancelled). Shutdown waits on it.
   */
  whenClosed(): Promise<void>
}

const SINK_METHODS = ['connect', 'open', 'write', 'end', 'whenClosed'] as const

/**
 * Checks that a value has the methods of an {@link SseSink}.
 *
 * @param sink - The candidate sink.
 * @returns The sink.
 * @throws TypeError when it is not one.
 */
export function checkSink(sink: unknown): SseSink {
  if (typeof sink === 'object' && sink !== null) {
    const methods = sink as Partial<Record<string, unknown>>
    let complete = true
    for (const method of SINK_METHODS) complete &&= typeof methods[method] === 'function'
    if (complete) return sink as SseSink
  }
  throw new TypeError(
    `The parameter "sink" must be an SseSink, from createNodeSink(req, res) or createWebSink(); got ${describe(sink)}.`
  )
}
