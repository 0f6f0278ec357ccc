import {
  createParser,
  type EventSourceMessage,
  type EventSourceParser,
  type ParseError,
} from 'eventsource-parser'
import { describe } from './format.js'
import { SseTimeoutError, SseUpstreamError } from './errors.js'
import type { UpstreamEvent } from './request-options.js'
import type { UpstreamCall } from './upstream.js'

const CR = 13

/**
 * The body of one upstream response, read chunk by chunk into events: bytes are decoded as
 * UTF-8 by a streaming decoder (a character split across chunks stays whole, a leading BOM is
 * dropped), parsed by `eventsource-parser`, and passed through the call's `transform`.
 *
 * An idle timeout runs only while a read waits for the upstream, so a slow consumer does not
 * count as a silent upstream. It costs one timer per connection, rescheduled at most once per
 * interval, and a clock read per chunk.
 */
export class EventConnection {
  /**
   * Events parsed from the chunks read so far and not yet taken. Consumers take them all
   * after each {@link EventConnection.read}, then empty the array.
   */
  readonly queue: UpstreamEvent[] = []
  readonly #call: UpstreamCall
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  readonly #contentType: string | null
  readonly #decoder = new TextDecoder()
  readonly #parser: EventSourceParser
  readonly #transform: ((event: UpstreamEvent) => UpstreamEvent | null) | undefined
  /** A parse failure, thrown once the events before it were taken. */
  #failure: SseUpstreamError | undefined
  /** The last character fed was CR, which may yet turn out to be half of a CRLF. */
  #pendingCr = false
  #done = false
  #count = 0
  readonly #idleTimeout: number
  readonly #maxEventSize: number
  #idleTimer: ReturnType<typeof setTimeout> | undefined
  #idleError: SseTimeoutError | undefined
  #reading = false
  /** When the current read started (ms since the epoch): the idle clock runs from there. */
  #lastActive = 0

  /**
   * @param call - The call this connection belongs to.
   * @param body - The response body.
   * @param contentType - The response's `Content-Type`, for error reports.
   */
  constructor(
    call: UpstreamCall,
    body: ReadableStream<Uint8Array> | null,
    contentType: string | null
  ) {
    this.#call = call
    this.#reader = body?.getReader()
    this.#contentType = contentType
    const { transform, maxEventSize, idleTimeout } = call.request
    this.#transform = transform
    this.#parser = createParser({
      onEvent: this.#onEvent,
      onRetry: (retry) => {
        call.retry = retry
      },
      onError: this.#onParseError,
      maxBufferSize: maxEventSize === Infinity ? undefined : maxEventSize,
    })
    this.#idleTimeout = idleTimeout
    this.#maxEventSize = maxEventSize
    if (idleTimeout > 0) this.#scheduleIdle(idleTimeout)
  }

  /** Whether the body ended, failed or was cancelled. */
  get done(): boolean {
    return this.#done
  }

  /**
   * Reads the next chunk of the body and parses it into {@link EventConnection.queue}.
   *
   * @returns `false` once the body has ended and every event was queued.
   * @throws What {@link UpstreamCall.failure} makes of an error, once the events before it
   * were taken; an error thrown by `transform`.
   */
  async read(): Promise<boolean> {
    if (this.#interrupted()) throw this.#fail(undefined)
    if (this.#failure !== undefined) throw this.#fail(this.#failure)
    if (this.#done) return false
    const reader = this.#reader
    if (reader === undefined) return this.#end()
    this.#reading = true
    if (this.#idleTimeout > 0) this.#lastActive = Date.now()
    let chunk: Awaited<ReturnType<typeof reader.read>>
    try {
      chunk = await reader.read()
    } catch (error) {
      throw this.#fail(error)
    } finally {
      this.#reading = false
    }
    // A cancelled body reads as ended: tell a stop from a real end.
    if (this.#interrupted()) throw this.#fail(undefined)
    if (chunk.done) return this.#end()
    const text = this.#decoder.decode(chunk.value, { stream: true })
    if (text !== '') this.#feed(text)
    this.#throwIfFailed()
    return true
  }

  /**
   * Stops reading at once: the body is cancelled, which also closes the socket when the fetch
   * implementation ignores the abort signal.
   *
   * @param reason - Passed to the body's `cancel`.
   */
  cancel(reason: unknown): void {
    if (this.#done) return
    this.#finish()
    this.#reader?.cancel(reason).catch(() => undefined)
  }

  #feed(text: string): void {
    this.#pendingCr = text.charCodeAt(text.length - 1) === CR
    this.#parser.feed(text)
  }

  #end(): boolean {
    const rest = this.#decoder.decode()
    if (rest !== '') this.#feed(rest)
    // A stream ending in CR ended its last line: the parser waits for a possible LF forever.
    if (this.#pendingCr) this.#feed('\n')
    this.#finish()
    const call = this.#call
    call.log?.('end', { events: this.#count, lastEventId: call.lastEventId, retry: call.retry })
    this.#throwIfFailed()
    return this.queue.length > 0
  }

  /** The call was stopped or the idle timeout passed. */
  #interrupted(): boolean {
    return this.#call.stopped !== undefined || this.#idleError !== undefined
  }

  /** Throws a parse failure once the events parsed before it have been taken. */
  #throwIfFailed(): void {
    if (this.#failure !== undefined && this.queue.length === 0) throw this.#fail(this.#failure)
  }

  #fail(error: unknown): unknown {
    this.#finish()
    return this.#call.failure(error, this.#idleError, this.#contentType)
  }

  #finish(): void {
    this.#done = true
    clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
  }

  readonly #onEvent = (message: EventSourceMessage): void => {
    const { id, event: type, data } = message
    if (this.#failure !== undefined) return
    // The parser bounds only what it buffers across chunks; an event that arrived whole in
    // one chunk is checked here.
    if (data.length > this.#maxEventSize) {
      this.#tooLarge()
      return
    }
    if (id !== undefined) this.#call.lastEventId = id
    // The contract: fields the frame lacked are absent, not present as `undefined`.
    let event: UpstreamEvent =
      type === undefined
        ? id === undefined
          ? { data }
          : { data, id }
        : id === undefined
          ? { event: type, data }
          : { event: type, data, id }
    this.#count++
    const transform = this.#transform
    if (transform !== undefined) {
      const mapped = transform(event)
      if (mapped === null) return
      event = checkTransformed(mapped)
    }
    this.#call.log?.('event', { type: event.event ?? 'message', size: event.data.length })
    this.queue.push(event)
  }

  readonly #onParseError = (error: ParseError): void => {
    // Unknown fields and bad retry values are ignored, as the spec tells clients to.
    if (error.type === 'max-buffer-size-exceeded') this.#tooLarge(error)
  }

  #tooLarge(cause?: ParseError): void {
    if (this.#failure !== undefined) return
    const { safeUrl, maxEventSize } = this.#call.request
    this.#call.log?.('error', { type: 'event-too-large', maxEventSize })
    this.#failure = new SseUpstreamError(
      `The upstream ${safeUrl} sent an event or line longer than ${maxEventSize} characters (maxEventSize).`,
      {
        type: 'event-too-large',
        url: safeUrl,
        status: 200,
        contentType: this.#contentType,
        cause,
      }
    )
    this.#call.abortConnection(this.#failure)
  }

  #scheduleIdle(delay: number): void {
    const timer = setTimeout(this.#onIdle, delay)
    ;(timer as { unref?: () => void }).unref?.()
    this.#idleTimer = timer
  }

  readonly #onIdle = (): void => {
    if (this.#done) return
    const idle = this.#idleTimeout
    const waited = this.#reading ? Date.now() - this.#lastActive : 0
    if (waited < idle) {
      this.#scheduleIdle(idle - waited)
      return
    }
    const { safeUrl } = this.#call.request
    this.#idleError = new SseTimeoutError('idle', idle, safeUrl)
    this.#call.log?.('timeout', { phase: 'idle' })
    this.#call.abortConnection(this.#idleError)
  }
}

function checkTransformed(event: unknown): UpstreamEvent {
  if (
    typeof event !== 'object' ||
    event === null ||
    typeof (event as UpstreamEvent).data !== 'string'
  ) {
    throw new TypeError(
      `The option "transform" must return an event with string "data", or null to drop it; got ${describe(event)}.`
    )
  }
  return event as UpstreamEvent
}
