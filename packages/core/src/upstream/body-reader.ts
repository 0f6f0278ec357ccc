import { describe, unref } from '../util/index.js'
import { SseTimeoutError, SseUpstreamError } from './errors.js'
import { EventParser, type StreamPosition } from './event-parser.js'
import type { Log } from '../util/log.js'
import type { ResolvedRequest } from './resolve-request.js'
import type { UpstreamEvent } from '../event/upstream-event.js'

/** What a body reader needs of the call it reads for. */
export interface BodyOwner extends StreamPosition {
  readonly request: ResolvedRequest
  readonly log: Log | undefined
  /** Where parsed events go; the call's consumer takes them after each read. */
  readonly queue: UpstreamEvent[]
  /** Aborts the connection being read, when a clock runs out or an event is too large. */
  abortConnection(reason: unknown): void
}

/** How a connection ended, as a read reports it. */
export interface BodyEnd {
  /** What failed the read, or the oversized event; `undefined` when the body ended. */
  readonly error: unknown
  /** The idle or event timeout that cut the connection, if one did. */
  readonly timedOut: SseTimeoutError | undefined
  /** The response's `Content-Type`, for error reports. */
  readonly contentType: string | null
}

/**
 * The body of one upstream response, read chunk by chunk into the call's queue: bytes are
 * decoded as UTF-8 by a streaming decoder (a character split across chunks stays whole, a
 * leading BOM is dropped, invalid bytes become U+FFFD as the spec says), parsed into events
 * by eventsource-parser,
 * and passed through the call's `transform`. A read returns what it read: `true` for events
 * (or nothing yet), or how the connection ended; the call decides what follows, a
 * reconnection, the end, or an error.
 *
 * Two clocks run only while a read waits for the upstream, so a slow consumer counts for
 * neither: `idleTimeout` from the start of each read, and `eventTimeout` summed over the reads
 * that one unfinished event spans. Each costs one timer per connection, rescheduled at most
 * once per interval; the idle clock reads the time once per chunk, the event clock only for
 * chunks that leave an event unfinished.
 */
export class EventConnection {
  readonly #call: BodyOwner
  readonly #queue: UpstreamEvent[]
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  readonly #contentType: string | null
  readonly #decoder = new TextDecoder()
  readonly #parser: EventParser
  readonly #transform: ((event: UpstreamEvent) => UpstreamEvent | null) | undefined
  /** An oversized event, thrown once the events before it were taken. */
  #failure: SseUpstreamError | undefined
  #done = false
  #count = 0
  #received = false
  #timedOut: SseTimeoutError | undefined
  #reading = false
  /** When the current read started (ms since the epoch), while a clock needs it. */
  #readStart = 0
  readonly #idleTimeout: number
  #idleTimer: ReturnType<typeof setTimeout> | undefined
  readonly #eventTimeout: number
  #eventTimer: ReturnType<typeof setTimeout> | undefined
  /** The parser holds an unfinished event: the event clock runs. */
  #midEvent = false
  /** Milliseconds the unfinished event waited for the upstream before the current read. */
  #eventWaited = 0
  /** The parser's frame count when the unfinished event was last seen. */
  #frames = 0

  /**
   * @param call - The call this connection belongs to; events go to its queue.
   * @param body - The response body.
   * @param contentType - The response's `Content-Type`, for error reports.
   */
  constructor(
    call: BodyOwner,
    body: ReadableStream<Uint8Array> | null,
    contentType: string | null
  ) {
    this.#call = call
    this.#queue = call.queue
    this.#reader = body?.getReader()
    this.#contentType = contentType
    const { transform, maxEventSize, idleTimeout, eventTimeout } = call.request
    this.#transform = transform
    this.#parser = new EventParser(this.#onEvent, call, maxEventSize)
    this.#idleTimeout = idleTimeout
    this.#eventTimeout = eventTimeout
    if (idleTimeout > 0) this.#idleTimer = unref(setTimeout(this.#onIdle, idleTimeout))
    if (eventTimeout > 0) this.#eventTimer = unref(setTimeout(this.#onEventClock, eventTimeout))
  }

  /** Whether the body ended, failed or was cancelled. */
  get done(): boolean {
    return this.#done
  }

  /** Whether the upstream sent anything on this connection: it worked, if only for a while. */
  get received(): boolean {
    return this.#received
  }

  /**
   * Reads the next chunk of the body and parses it into the call's queue.
   *
   * @returns `true` while the connection lasts (events may be queued); once it ended, how.
   * @throws An error thrown by `transform`.
   */
  async read(): Promise<true | BodyEnd> {
    if (this.#done) return this.#over(this.#failure)
    const reader = this.#reader
    if (reader === undefined) return this.#end()
    this.#reading = true
    if (this.#idleTimeout > 0 || this.#midEvent) this.#readStart = Date.now()
    let chunk: Awaited<ReturnType<typeof reader.read>> | undefined
    let failure: unknown
    try {
      chunk = await reader.read()
    } catch (error) {
      failure = error
    }
    this.#reading = false
    if (this.#midEvent) this.#eventWaited += Date.now() - this.#readStart
    if (chunk === undefined) return this.#over(failure)
    // A cancelled body reads as ended: tell a stop or a timeout from a real end.
    if (this.#interrupted()) return this.#over(undefined)
    if (chunk.done) return this.#end()
    this.#received = true
    const text = this.#decoder.decode(chunk.value, { stream: true })
    if (text !== '') this.#feed(text)
    if (this.#failure !== undefined && this.#queue.length === 0) return this.#over(this.#failure)
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

  /** The call was stopped, or a timeout cancelled the body. */
  #interrupted(): boolean {
    return this.#done || this.#timedOut !== undefined
  }

  #feed(text: string): void {
    const parser = this.#parser
    if (!parser.feed(text)) this.#tooLarge()
    if (this.#eventTimeout === 0) return
    if (!parser.midFrame) this.#midEvent = false
    else if (!this.#midEvent || parser.frames !== this.#frames) {
      // An event began in this chunk: its clock starts with the next read.
      this.#midEvent = true
      this.#eventWaited = 0
      this.#frames = parser.frames
    }
  }

  #end(): BodyEnd | true {
    const rest = this.#decoder.decode()
    if (rest !== '') this.#feed(rest)
    if (!this.#parser.end()) this.#tooLarge()
    this.#finish()
    const call = this.#call
    call.log?.('end', { events: this.#count, lastEventId: call.lastEventId, retry: call.retry })
    // The events of the last chunk first; the next read reports the end.
    return this.#queue.length > 0 || this.#over(this.#failure)
  }

  /**
   * Reports the end of this connection.
   *
   * @param error - What failed; `undefined` when the body ended, was cancelled or timed out.
   */
  #over(error: unknown): BodyEnd {
    return { error, timedOut: this.#timedOut, contentType: this.#contentType }
  }

  /**
   * Closes the connection once its end was read: the body is cancelled with the failure the
   * call made of it, when it was still open.
   *
   * @param failure - What the call reports; `undefined` when the connection simply ended.
   */
  close(failure: unknown): void {
    if (failure !== undefined) this.cancel(failure)
    this.#finish()
  }

  #finish(): void {
    this.#done = true
    clearTimeout(this.#idleTimer)
    clearTimeout(this.#eventTimer)
    this.#idleTimer = undefined
    this.#eventTimer = undefined
  }

  readonly #onEvent = (event: UpstreamEvent): void => {
    this.#count++
    const transform = this.#transform
    if (transform !== undefined) {
      const mapped = transform(event)
      if (mapped === null) return
      event = checkTransformed(mapped)
    }
    this.#call.log?.('event', { type: event.event ?? 'message', size: event.data.length })
    this.#queue.push(event)
  }

  #tooLarge(): void {
    if (this.#failure !== undefined) return
    const { safeUrl, maxEventSize } = this.#call.request
    this.#call.log?.('error', { type: 'event-too-large', maxEventSize })
    this.#failure = new SseUpstreamError(
      `The upstream ${safeUrl} sent an event or line longer than ${maxEventSize} characters (maxEventSize).`,
      { type: 'event-too-large', url: safeUrl, status: 200, contentType: this.#contentType }
    )
    this.#call.abortConnection(this.#failure)
  }

  readonly #onIdle = (): void => {
    if (this.#done) return
    const idle = this.#idleTimeout
    const waited = this.#reading ? Date.now() - this.#readStart : 0
    if (waited < idle) this.#idleTimer = unref(setTimeout(this.#onIdle, idle - waited))
    else this.#timeOut('idle', idle)
  }

  readonly #onEventClock = (): void => {
    if (this.#done) return
    const limit = this.#eventTimeout
    let waited = 0
    if (this.#midEvent) {
      waited = this.#eventWaited + (this.#reading ? Date.now() - this.#readStart : 0)
    }
    if (waited < limit) this.#eventTimer = unref(setTimeout(this.#onEventClock, limit - waited))
    else this.#timeOut('event', limit)
  }

  #timeOut(phase: 'idle' | 'event', limit: number): void {
    this.#timedOut = new SseTimeoutError(phase, limit, this.#call.request.safeUrl)
    this.#call.log?.('timeout', { phase })
    this.#call.abortConnection(this.#timedOut)
  }
}

function checkTransformed(event: unknown): UpstreamEvent {
  if (
    typeof event !== 'object' ||
    event === null ||
    typeof (event as UpstreamEvent).data !== 'string' ||
    !optionalString((event as UpstreamEvent).event) ||
    !optionalString((event as UpstreamEvent).id)
  ) {
    throw new TypeError(
      `The option "transform" must return an event with string "data" (and "event" and "id" strings when present), or null to drop it; got ${describe(event)}.`
    )
  }
  return event as UpstreamEvent
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string'
}
