import {
  checkFunction,
  decodeHeaderText,
  deferred,
  type Deferred,
  describe,
} from '../util/index.js'
import { watchEnd, type EndWatcher } from './response-end.js'
import type { SinkListener, SseSink } from './sink.js'
import type { NodeRequest, NodeResponse } from './node-types.js'
import { prepareStreamSocket } from './stream-socket.js'
import { NODE_RESPONSE_BATCH_BYTES, TurnBatch } from './turn-batch.js'

/** The part of both response classes a sink uses, plus compression middleware's `flush`. */
interface Response {
  readonly headersSent: boolean
  readonly writableEnded: boolean
  readonly writableLength: number
  removeHeader(name: string): void
  writeHead(status: number, headers: Record<string, string>): unknown
  flushHeaders(): void
  setTimeout(ms: number): unknown
  write(chunk: string): boolean
  end(...args: unknown[]): unknown
  destroy(): unknown
  flush?: () => void
  on(event: 'close' | 'drain', listener: (this: Response) => void): unknown
  off(event: 'close' | 'drain', listener: (this: Response) => void): unknown
  [sinkKey]?: NodeSink
}

/** Where a response keeps its sink, for the listeners all responses share. */
const sinkKey = Symbol('ssekit.nodeSink')

/*
 * The response's listeners are functions shared by every response, which find the sink on the
 * response they are called on: functions of each sink's own would cost every open stream memory.
 */

function onResponseClose(this: Response): void {
  this[sinkKey]?.onResponseClose()
}

function onResponseDrain(this: Response): void {
  this[sinkKey]?.onResponseDrain()
}

/**
 * A sink on a Node response. The first frame of a turn leaves at once (a lone event waits for
 * nothing); the frames written after it in the same turn leave together once it is over.
 */
class NodeSink extends TurnBatch implements SseSink, EndWatcher {
  readonly keepAlive: boolean
  readonly lastEventId: string | undefined
  readonly #req: NodeRequest
  readonly #res: Response
  /** Dropped once called, with whatever it holds (a framework's request context). */
  #onOpen: (() => void) | undefined
  #closed = false
  #whenClosed: Deferred<void> | undefined

  constructor(req: NodeRequest, res: NodeResponse, onOpen: (() => void) | undefined) {
    super()
    this.#req = req
    this.#res = res as unknown as Response
    this.#onOpen = onOpen
    this.keepAlive =
      req.httpVersionMajor === 1 &&
      req.httpVersionMinor >= 1 &&
      !/\bclose\b/i.test(req.headers.connection ?? '')
    const id = req.headers['last-event-id']
    this.lastEventId =
      id === undefined ? undefined : decodeHeaderText(Array.isArray(id) ? id.join(', ') : id)
  }

  protected get queuedBytes(): number {
    return this.#res.writableLength
  }

  protected override get batchBytes(): number {
    return NODE_RESPONSE_BATCH_BYTES
  }

  connect(listener: SinkListener): void {
    this.listener = listener
    const res = this.#res
    res[sinkKey] = this
    // Stays until the response closes, even after `end`: shutdown waits for that moment.
    res.on('close', onResponseClose)
    res.on('drain', onResponseDrain)
  }

  open(headers: Record<string, string>): void {
    const res = this.#res
    if (res.headersSent) {
      throw new Error('Cannot start the event stream: the response headers were already sent.')
    }
    this.#opened()
    res.removeHeader('Content-Length')
    res.writeHead(200, headers)
    res.flushHeaders()
    // Node restores the keep-alive timeout itself once the response ends.
    res.setTimeout(0)
    prepareStreamSocket(this.#req)
    // An app may end the response itself (Express's `res.end()` right after a few sends): the
    // frames still waiting for the end of the turn go first, and the stream ends with it.
    watchEnd(res, this)
  }

  #opened(): void {
    const onOpen = this.#onOpen
    this.#onOpen = undefined
    onOpen?.()
  }

  /** Before the app's own end of the response: the frames of this turn go first. */
  beforeEnd(): void {
    this.flush()
  }

  /** After the app's own end of the response: the stream ends with it. */
  afterEnd(): void {
    this.#onEnded()
  }

  noContent(): void {
    const res = this.#res
    if (res.headersSent) {
      throw new Error('Cannot answer 204 No Content: the response headers were already sent.')
    }
    this.#opened()
    this.#detach()
    res.removeHeader('Content-Length')
    res.removeHeader('Content-Type')
    res.writeHead(204, {})
    res.end()
  }

  write(text: string): boolean {
    const first = this.add(text)
    if (!first && !this.batchFull) return true
    return this.#send(this.take())
  }

  protected sendTurn(): void {
    const text = this.take()
    if (text !== '' && !this.#closed && this.#send(text)) this.onDrain()
  }

  end(abort: boolean): void {
    this.#detach()
    if (abort) {
      this.pending = ''
      this.#res.destroy()
    } else {
      // The patched `end` sends what is pending first.
      this.#res.end()
    }
  }

  #send(text: string): boolean {
    const res = this.#res
    // Ended without going through `res.end` (the prototype's, called directly): writing now
    // would emit an error nobody handles.
    if (res.writableEnded) {
      this.#onEnded()
      return true
    }
    const ok = res.write(text)
    // Compression middleware buffers until flushed; an event must leave now.
    if (res.flush !== undefined) res.flush()
    if (!ok) this.noteFull()
    return ok
  }

  whenClosed(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    return (this.#whenClosed ??= deferred()).promise
  }

  /** Someone else ended the response: the stream is over, though bytes may still be leaving. */
  #onEnded(): void {
    const listener = this.listener
    this.pending = ''
    this.#detach()
    listener?.onClose()
  }

  /** The response closed: the client left, or everything was sent after the end. */
  onResponseClose(): void {
    const listener = this.listener
    this.#closed = true
    this.pending = ''
    this.#res.off('close', onResponseClose)
    this.#res[sinkKey] = undefined
    this.#detach()
    this.#whenClosed?.resolve()
    listener?.onClose()
  }

  #detach(): void {
    if (this.listener === undefined) return
    this.listener = undefined
    this.#res.off('drain', onResponseDrain)
  }

  /** The response has room again. */
  onResponseDrain(): void {
    this.onDrain()
  }
}

/**
 * Wraps a Node response so an event stream can write to it. Works with `node:http` and with
 * `node:http2`'s compatibility API, behind compression middleware that provides `res.flush()`.
 *
 * While the stream is open, Nagle's algorithm is off (each event leaves at once), TCP keepalive
 * is on (a client gone from a quiet connection is noticed) and the socket's idle timeout is
 * suspended (heartbeats keep proxies awake instead).
 *
 * @param req - The request, read for `Last-Event-ID` and the HTTP version.
 * @param res - The response to stream into.
 * @param onOpen - Runs when the stream starts, just before the headers are written: a framework
 * that answers requests itself (Koa) is told here to leave this response to the stream.
 * @returns A sink for `createSseStream`.
 * @throws TypeError when `req` or `res` is not a Node request or response.
 */
export function createNodeSink(req: NodeRequest, res: NodeResponse, onOpen?: () => void): SseSink {
  // Swapped arguments, a framework's context or a web `Request` would otherwise fail later
  // with a message about some property deep inside the sink.
  const request = req as Partial<NodeRequest> | null
  if (
    typeof request !== 'object' ||
    request === null ||
    typeof request.headers !== 'object' ||
    typeof request.httpVersionMajor !== 'number'
  ) {
    throw new TypeError(
      `The parameter "req" must be a node:http or node:http2 request; got ${describe(req)}.`
    )
  }
  const response = res as Partial<Response> | null
  if (typeof response !== 'object' || response === null || typeof response.on !== 'function') {
    throw new TypeError(
      `The parameter "res" must be a node:http or node:http2 response; got ${describe(res)}.`
    )
  }
  if (onOpen !== undefined) checkFunction(onOpen, 'The parameter "onOpen"')
  return new NodeSink(req, res, onOpen)
}
