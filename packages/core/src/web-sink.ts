import { describe } from './format.js'
import type { SinkListener, SseSink } from './sink.js'

/** Bytes queued in the body before `write` reports backpressure, as Node sockets do. */
const HIGH_WATER_MARK = 16 * 1024

/**
 * A sink whose output is a web-standard `ReadableStream`, for runtimes that answer requests
 * with a `Response` (Hono on any runtime, Deno, Bun, Workers). Serve it with
 * `new Response(sink.body, { headers: sink.headers })` once the stream has started.
 */
export interface WebSink extends SseSink {
  /** The response body: UTF-8 event-stream bytes, pulled by the runtime. */
  readonly body: ReadableStream<Uint8Array>
  /** The response headers, set when the stream starts (`init()`); `undefined` before. */
  readonly headers: Record<string, string> | undefined
}

class ReadableStreamSink implements WebSink {
  // The runtime serving the Response manages the connection and its headers.
  readonly keepAlive = false
  readonly lastEventId: string | undefined
  readonly body: ReadableStream<Uint8Array>
  headers: Record<string, string> | undefined
  #controller!: ReadableStreamDefaultController<Uint8Array>
  #listener: SinkListener | undefined
  #ended = false
  readonly #encoder = new TextEncoder()

  constructor(lastEventId: string | undefined) {
    this.lastEventId = lastEventId
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller
        },
        // Called when the reader has taken enough that the queue is below the high-water mark.
        pull: () => {
          this.#listener?.onDrain()
        },
        // The reader gave up: on a server, the client went away.
        cancel: () => {
          const listener = this.#listener
          this.#listener = undefined
          this.#ended = true
          listener?.onClose()
        },
      },
      { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength }
    )
  }

  get bufferedBytes(): number {
    const desired = this.#controller.desiredSize
    return desired === null ? 0 : HIGH_WATER_MARK - desired
  }

  connect(listener: SinkListener): void {
    this.#listener = listener
  }

  open(headers: Record<string, string>): void {
    if (this.headers !== undefined) {
      throw new Error('Cannot start the event stream: it has already started.')
    }
    this.headers = headers
  }

  write(text: string): boolean {
    const controller = this.#controller
    controller.enqueue(this.#encoder.encode(text))
    return (controller.desiredSize ?? 0) > 0
  }

  end(abort: boolean): void {
    this.#listener = undefined
    if (this.#ended) return
    this.#ended = true
    if (abort) {
      this.#controller.error(new Error('The event stream was aborted: the client stopped reading.'))
    } else {
      this.#controller.close()
    }
  }

  whenClosed(): Promise<void> {
    // The runtime owns the connection; once the body is closed nothing more is written to it.
    return Promise.resolve()
  }
}

/**
 * Creates a sink that writes into a web-standard `ReadableStream` with pull-based
 * backpressure; cancelling the body counts as the client disconnecting.
 *
 * @param lastEventId - The request's `Last-Event-ID` header, if any.
 * @returns The sink; serve `sink.body` with `sink.headers` after `init()`.
 * @throws TypeError when `lastEventId` is neither a string nor `undefined`.
 *
 * @example
 * ```ts
 * const sink = createWebSink(request.headers.get('last-event-id') ?? undefined)
 * const stream = createSseStream(sink).init()
 * return new Response(sink.body, { headers: sink.headers })
 * ```
 */
export function createWebSink(lastEventId?: string): WebSink {
  if (lastEventId !== undefined && typeof lastEventId !== 'string') {
    throw new TypeError(
      `The parameter "lastEventId" must be a string, or undefined when the request has none (Headers.get returns null: add ?? undefined); got ${describe(lastEventId)}.`
    )
  }
  return new ReadableStreamSink(lastEventId)
}
