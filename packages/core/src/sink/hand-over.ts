import type { UnderlyingSource } from 'node:stream/web'
import type { EndWatcher } from './response-end.js'

/**
 * A destination a server pipes a web sink's body into, which the sink may write to directly
 * instead: the same bytes, without the body's encoding and promise hops per chunk. An adapter
 * offers one where its server has such a destination (the Hono adapter on `@hono/node-server`:
 * Node's response). The sink switches to it only when that cannot reorder bytes: the server
 * reads the body through a reader of its own (`getReader`; a body a transform wraps is never
 * handed over), that reader waits on an empty queue (the server wrote everything it read), and
 * the destination is `ready`.
 */
export interface BodyHandOver {
  /** Whether the destination takes text now: its head is out. */
  readonly ready: boolean
  /** Whether the destination has ended, whoever ended it. */
  readonly writableEnded: boolean
  /** Bytes written to the destination and not yet delivered. */
  readonly writableLength: number
  /**
   * Whether a `write` returned `false` and `'drain'` has not come yet. The sink waits on this,
   * not on `writableLength`: a destination's own high-water mark differs between versions
   * (Node's response: 16 KiB before Node 22, 64 KiB since) and only a `false` write brings
   * `'drain'`.
   */
  readonly writableNeedDrain: boolean
  /**
   * Writes text to the destination.
   * @returns `false` when the writer should wait for `'drain'`.
   */
  write(text: string): boolean
  /** Adds a listener of `'drain'`: the destination has room again. */
  on(event: 'drain', listener: () => void): unknown
  /** Removes a listener of `'drain'`. */
  off(event: 'drain', listener: () => void): unknown
  /**
   * Registers the sink whose `afterEnd` runs once someone else ends the destination (the app,
   * on its own): the stream ends with it. Called once, when the sink is made.
   */
  onEnded(watcher: EndWatcher): void
}

/** What a {@link createReadBody} body tells its sink about the reader the server took. */
export interface ReadWatch {
  /** Whether the body's queue is empty. */
  isEmpty(): boolean
  /** The server took a reader with `getReader`: it reads the body itself. */
  onReader(): void
  /** A reader taken with `getReader` has asked to read while the queue was empty. */
  onWaitingRead(): void
}

/**
 * A reader that tells its body's sink when it waits on an empty queue: the server that holds it
 * has written every chunk it took, as it writes each chunk before reading the next.
 */
class WatchedReader extends ReadableStreamDefaultReader<Uint8Array> {
  readonly #watch: ReadWatch

  constructor(body: ReadableStream<Uint8Array>, watch: ReadWatch) {
    super(body)
    this.#watch = watch
  }

  override read(): ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']> {
    const empty = this.#watch.isEmpty()
    const result = super.read()
    if (empty) this.#watch.onWaitingRead()
    return result
  }
}

/** Where a body made by {@link createReadBody} keeps the watch of its sink. */
const watchKey = Symbol('readWatch')

/** A body whose `getReader` reports the reader it gives. */
interface WatchedBody extends ReadableStream<Uint8Array> {
  [watchKey]: ReadWatch
}

/**
 * The `getReader` of a body made by {@link createReadBody}: one function for every body. A
 * reader taken with it (a server reading the body itself) reports its reads on an empty queue.
 */
function getWatchedReader(
  this: WatchedBody,
  options?: { mode?: 'byob' }
): ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader {
  // A byte stream it is not: the base method throws for a BYOB reader.
  if (options?.mode === 'byob') return ReadableStream.prototype.getReader.call(this, options)
  const watch = this[watchKey]
  const reader = new WatchedReader(this, watch)
  watch.onReader()
  return reader
}

/**
 * Creates a web sink's body when a hand-over is possible: a reader taken with `getReader` (a
 * server reading the body itself) is one that reports its reads on an empty queue. Piping
 * through a transform (`pipeThrough`, as compressors do) takes a reader without `getReader`,
 * so a wrapped body never reports one.
 *
 * The body is a plain `ReadableStream` whose own `getReader` shadows the prototype's, rather
 * than an instance of a subclass: on Node 20, each instance of a subclass of `ReadableStream`
 * costs about 0.6 KB more heap than a plain one, and an idle stream holds its body for its
 * whole life.
 *
 * @param source - The body's underlying source.
 * @param strategy - The body's queuing strategy.
 * @param watch - What the reader taken with `getReader` reports to.
 * @returns The body.
 */
export function createReadBody(
  source: UnderlyingSource<Uint8Array>,
  strategy: QueuingStrategy<Uint8Array>,
  watch: ReadWatch
): ReadableStream<Uint8Array> {
  const body = new ReadableStream(source, strategy) as WatchedBody
  body[watchKey] = watch
  body.getReader = getWatchedReader as ReadableStream<Uint8Array>['getReader']
  return body
}
