import type { UnderlyingSource } from 'node:stream/web'
import { decodeHeaderText, describe } from '../util/index.js'
import { createReadBody, type BodyHandOver, type ReadWatch } from './hand-over.js'
import type { EndWatcher } from './response-end.js'
import type { SinkListener, SseSink } from './sink.js'
import { HIGH_WATER_MARK, NODE_RESPONSE_BATCH_BYTES, TurnBatch } from './turn-batch.js'

/** Encoding holds no state between calls: one encoder serves every sink. */
const encoder = new TextEncoder()

/** How a body counts its queue: in bytes. One strategy serves every body. */
const BODY_STRATEGY: QueuingStrategy<Uint8Array> = {
  highWaterMark: HIGH_WATER_MARK,
  size: (chunk) => chunk.byteLength,
}

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
  /** `true` once the sink answered `204 No Content` instead: serve `new Response(null, { status: 204 })`. */
  readonly answeredNoContent: boolean
}

/** Options of {@link createWebSink}. */
export interface WebSinkOptions {
  /**
   * A destination the server pipes `body` into, which takes the events directly once that
   * cannot reorder bytes (see `BodyHandOver` in `@ssekit/core/adapter`). For adapters: the
   * Hono adapter passes Node's response on `@hono/node-server`.
   */
  readonly handOver?: BodyHandOver
  /**
   * Runs when the stream starts, once `headers` is set: the moment to answer with
   * `new Response(body, { headers })` when the stream was handed to code that starts it later.
   */
  readonly onOpen?: () => void
}

/**
 * A sink on a web body. Every frame of a turn leaves with the others once the turn is over, as
 * one chunk: each chunk costs the reader a promise and a write, whatever its size. The pending
 * text also holds what is written while the queue drains for a hand-over.
 */
class ReadableStreamSink
  extends TurnBatch
  implements WebSink, UnderlyingSource<Uint8Array>, ReadWatch, EndWatcher
{
  // The runtime serving the Response manages the connection and its headers.
  readonly keepAlive = false
  readonly lastEventId: string | undefined
  readonly body: ReadableStream<Uint8Array>
  headers: Record<string, string> | undefined
  answeredNoContent = false
  /** Dropped once called, with whatever it holds. */
  #onOpen: (() => void) | undefined
  #controller!: ReadableStreamDefaultController<Uint8Array>
  #ended = false
  /** The destination the server pipes the body into, until the sink writes to it directly. */
  readonly #handOver: BodyHandOver | undefined
  /** The server reads the body through its own reader, to write it to `#handOver`. */
  #piped = false
  /**
   * The server's read waits on an empty queue: it has written every chunk it took (it writes
   * each chunk before reading the next).
   */
  #readWaiting = false
  /** The destination once written directly; the server's read waits until the body closes. */
  #direct: BodyHandOver | undefined
  /** Listens to `'drain'` of `#direct`. */
  #onDirectDrain: (() => void) | undefined

  constructor(
    lastEventId: string | undefined,
    handOver: BodyHandOver | undefined,
    onOpen: (() => void) | undefined
  ) {
    super()
    this.lastEventId = lastEventId === undefined ? undefined : decodeHeaderText(lastEventId)
    this.#handOver = handOver
    this.#onOpen = onOpen
    if (handOver === undefined) {
      this.body = new ReadableStream(this, BODY_STRATEGY)
    } else {
      this.body = createReadBody(this, BODY_STRATEGY, this)
      // An app may end the destination itself (`c.env.outgoing.end()`): the stream ends too.
      handOver.onEnded(this)
    }
  }

  /*
   * The sink is its body's underlying source, and the watch of the server's reader, with
   * methods of its class: functions of each sink's own would cost every open stream memory.
   */

  /** Watch of the destination: someone else ended it. */
  afterEnd(): void {
    this.#onDestinationEnded()
  }

  /** Source of the body: keeps the body's controller. */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller
  }

  /** Source of the body: the reader has taken enough that the queue is below the mark. */
  pull(): void {
    if (this.#direct === undefined) this.onDrain()
  }

  /** Source of the body: the reader gave up; on a server, the client went away. */
  cancel(): void {
    const listener = this.listener
    this.listener = undefined
    this.#ended = true
    listener?.onClose()
  }

  /** Watch of the server's reader: whether the body's queue is empty. */
  isEmpty(): boolean {
    return this.#controller.desiredSize === HIGH_WATER_MARK
  }

  /** Watch of the server's reader: the server reads the body itself. */
  onReader(): void {
    this.#piped = true
  }

  /** Watch of the server's reader: it waits on an empty queue. */
  onWaitingRead(): void {
    this.#readWaiting = true
    // Text held for the hand-over goes now.
    if (this.pending !== '' && !this.flushDue) this.flush()
  }

  protected get queuedBytes(): number {
    if (this.#direct !== undefined) return this.#direct.writableLength
    const desired = this.#controller.desiredSize
    return desired === null ? 0 : HIGH_WATER_MARK - desired
  }

  /** Batches as large as a Node sink's once written to the Node response directly. */
  protected override get batchBytes(): number {
    return this.#direct === undefined ? HIGH_WATER_MARK : NODE_RESPONSE_BATCH_BYTES
  }

  connect(listener: SinkListener): void {
    this.listener = listener
  }

  open(headers: Record<string, string>): void {
    if (this.headers !== undefined) {
      throw new Error('Cannot start the event stream: it has already started.')
    }
    this.headers = headers
    const onOpen = this.#onOpen
    this.#onOpen = undefined
    onOpen?.()
  }

  noContent(): void {
    if (this.headers !== undefined) {
      throw new Error('Cannot answer 204 No Content: the event stream has already started.')
    }
    this.answeredNoContent = true
    this.listener = undefined
    this.#ended = true
    this.#controller.close()
  }

  write(text: string): boolean {
    // Nothing more can reach the client, and nothing is left to wait for.
    if (this.#ended) return true
    this.add(text)
    if (this.batchFull) this.#send()
    if (!this.#full()) return true
    this.noteFull()
    return false
  }

  /**
   * Whether the producer must wait: the body's queue is at its high-water mark or, once writes
   * go to the Node response, the response waits for `'drain'`. The response has a mark of its
   * own (16 KiB before Node 22, 64 KiB since) and sends `'drain'` only after a `write` that
   * returned `false`.
   */
  #full(): boolean {
    const direct = this.#direct
    return direct === undefined ? this.bufferedBytes >= HIGH_WATER_MARK : direct.writableNeedDrain
  }

  protected sendTurn(): void {
    this.#send()
  }

  /** Sends the pending text: to the destination, or as one chunk. */
  #send(): void {
    const text = this.pending
    if (text === '' || this.#ended) return
    let direct = this.#direct
    if (direct === undefined) {
      const handOver = this.#handOver
      if (!this.#piped || handOver?.ready !== true) {
        this.#enqueuePending()
        return
      }
      // The next read on an empty queue takes the text over, unless one waits already.
      if (!this.#readWaiting) return
      direct = this.#takeOver(handOver)
    }
    this.pending = ''
    // Ended without going through its `end`: writing now would be an error nobody handles.
    if (direct.writableEnded) this.#onDestinationEnded()
    else if (direct.write(text)) this.onDrain()
  }

  end(abort: boolean): void {
    this.listener = undefined
    if (this.#ended) return
    this.#ended = true
    const direct = this.#direct
    this.#stopDirectDrain()
    if (abort) {
      this.pending = ''
      this.#controller.error(new Error('The event stream was aborted: the client stopped reading.'))
      return
    }
    if (direct !== undefined && this.pending !== '') direct.write(this.pending)
    else this.#enqueuePending()
    this.pending = ''
    // Either way the server's waiting read settles, and it ends the response itself.
    this.#controller.close()
  }

  /**
   * Someone else ended the destination: the stream is over. The body closes, so the server's
   * waiting read settles; its own `end` of the ended response does nothing.
   */
  #onDestinationEnded(): void {
    if (this.#ended) return
    const listener = this.listener
    this.listener = undefined
    this.#ended = true
    this.pending = ''
    this.#stopDirectDrain()
    this.#controller.close()
    listener?.onClose()
  }

  whenClosed(): Promise<void> {
    // The runtime owns the connection; once the body is closed nothing more is written to it.
    return Promise.resolve()
  }

  #enqueuePending(): void {
    const text = this.pending
    if (text === '') return
    this.pending = ''
    // A waiting read takes this chunk: until the server reads again, it may not be written yet.
    this.#readWaiting = false
    this.#controller.enqueue(encoder.encode(text))
  }

  /**
   * Switches to writing the destination directly, once that cannot reorder bytes: it is ready
   * and the server waits to read more, having written everything it read. Its read then waits
   * until the body closes, when it ends the response as on the web path; it still cancels the
   * body when the client leaves, which reports the disconnect.
   *
   * @param handOver - The destination.
   * @returns The destination.
   */
  #takeOver(handOver: BodyHandOver): BodyHandOver {
    this.#direct = handOver
    this.#onDirectDrain = () => {
      this.onDrain()
    }
    handOver.on('drain', this.#onDirectDrain)
    return handOver
  }

  #stopDirectDrain(): void {
    if (this.#onDirectDrain === undefined) return
    this.#direct?.off('drain', this.#onDirectDrain)
    this.#onDirectDrain = undefined
  }
}

/**
 * Creates a sink that writes into a web-standard `ReadableStream` with pull-based
 * backpressure; cancelling the body counts as the client disconnecting.
 *
 * @param lastEventId - The request's `Last-Event-ID` header, if any, as `Headers.get` gives it:
 * one character per byte, as the Fetch standard has it. A value whose bytes are UTF-8 is
 * decoded (browsers send the id as UTF-8); one that is not is kept as given.
 * @param options - `onOpen`, and the destination an adapter's server pipes the body into.
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
export function createWebSink(lastEventId?: string, options?: WebSinkOptions): WebSink {
  if (lastEventId !== undefined && typeof lastEventId !== 'string') {
    throw new TypeError(
      `The parameter "lastEventId" must be a string, or undefined when the request has none (Headers.get returns null: add ?? undefined); got ${describe(lastEventId)}.`
    )
  }
  const handOver = options?.handOver
  const methods = handOver as Partial<BodyHandOver> | undefined
  if (
    handOver !== undefined &&
    (typeof methods?.write !== 'function' || typeof methods.onEnded !== 'function')
  ) {
    throw new TypeError(
      `The option "handOver" must be a BodyHandOver, with write() and onEnded(); got ${describe(handOver)}.`
    )
  }
  const onOpen = options?.onOpen
  if (onOpen !== undefined && typeof onOpen !== 'function') {
    throw new TypeError(`The option "onOpen" must be a function; got ${describe(onOpen)}.`)
  }
  return new ReadableStreamSink(lastEventId, handOver, onOpen)
}
