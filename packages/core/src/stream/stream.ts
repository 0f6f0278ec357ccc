import { deferred, type Deferred, sseHeaders, unref } from '../util/index.js'
import { formatComment, formatEvent, type SseEvent } from '../event/format.js'
import {
  joinHeartbeat,
  lastWrite,
  leaveHeartbeat,
  onHeartbeat,
  STOPPED_CLOCK,
  type HeartbeatClock,
  type HeartbeatMember,
} from './heartbeat.js'
import {
  resolveStreamOptions,
  type ResolvedStreamOptions,
  type SseStreamOptions,
} from './options.js'
import { checkSink, type SinkListener, type SseSink } from '../sink/sink.js'
import { streamRequest } from '../upstream/forward.js'
import type { SseRequestOptions, SseRequestResult } from '../upstream/options.js'
import type { SseEventSchema, SseSchemaOutput } from '../upstream/options.js'
import {
  dropConnection,
  endForShutdown,
  joinGroup,
  leaveGroup,
  type GroupMember,
} from './stream-group.js'
import type { SendResult, SseStream } from './types.js'
import { countUpstream, type SseEndReason } from './monitor.js'
import { publishEnd, publishStart } from './diagnostics.js'
import { frameBytes } from './frame-bytes.js'
import { streamEndReason } from './end-reason.js'
import {
  dropClient,
  NOT_SENT,
  NOT_SENT_RESULT,
  refuseStream,
  SENT,
  SENT_RESULT,
  sendFrame,
  streamOptions,
  type InternalStream,
} from './internal.js'

export type { SendResult, SseStream } from './types.js'
// Relays import these from here; other modules from `internal.ts`.
export { sendFrame, type InternalStream } from './internal.js'

const NEW = 0
const OPEN = 1
const ENDED = 2

/**
 * Streams end up to this fraction of `maxDuration` early, at random, so that streams opened
 * together (after a deploy, say) do not all end and reconnect together.
 */
const MAX_DURATION_JITTER = 0.1

interface HeldFrame {
  readonly text: string
  readonly sent: Deferred<SendResult>
}

class EventStream implements InternalStream, SinkListener, HeartbeatMember, GroupMember {
  readonly #sink: SseSink
  #options: ResolvedStreamOptions
  #state = NEW
  #endedBy: SseEndReason | undefined;
  /** The heartbeat clock's tick count at the last write. */
  [lastWrite] = 0
  /** The shared heartbeat clock, read on each write. */
  #clock: HeartbeatClock = STOPPED_CLOCK
  /** The last write met backpressure; the bound is checked until the sink drains. */
  #full = false
  #drain: Deferred<SendResult> | undefined
  /** Frames held back under the `'wait'` policy, in send order. */
  #held: HeldFrame[] | undefined
  #abort: AbortController | undefined
  /** Armed while a send waits on the client; fires after `sendTimeout`. */
  #sendTimer: ReturnType<typeof setTimeout> | undefined
  /** Ends the stream after `maxDuration`. */
  #lifeTimer: ReturnType<typeof setTimeout> | undefined

  constructor(sink: SseSink, options: ResolvedStreamOptions) {
    this.#sink = sink
    this.#options = options
    sink.connect(this)
  }

  get clientDisconnected(): boolean {
    return this.#state === ENDED
  }

  get lastEventId(): string | undefined {
    return this.#sink.lastEventId
  }

  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController()
      if (this.#state === ENDED) this.#abort.abort(streamEndReason(this.#endedBy))
    }
    return this.#abort.signal
  }

  init(options?: SseStreamOptions): this {
    // Checked even when they will be ignored, so a bad option fails wherever it is passed,
    // not only on the call that happens to start the stream.
    const resolved =
      options === undefined ? this.#options : resolveStreamOptions(options, this.#options)
    if (this.#state !== NEW) return this
    this.#options = resolved
    this.#open()
    return this
  }

  send(event: SseEvent): Promise<SendResult> {
    let frame: string
    try {
      frame = formatEvent(event)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#send(
      frame,
      this.#options.monitor === undefined ? undefined : frameBytes(frame, event)
    )
  }

  comment(text = ''): Promise<SendResult> {
    let frame: string
    try {
      frame = `${formatComment(text, 'text')}\n`
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#send(frame)
  }

  [sendFrame](frame: string): Promise<SendResult> {
    return this.#send(frame)
  }

  get [streamOptions](): ResolvedStreamOptions {
    return this.#options
  }

  [dropClient](): void {
    this.#drop('slow-client')
  }

  [refuseStream](): void {
    this.#finish('refused')
  }

  request<Schema extends SseEventSchema>(
    options: SseRequestOptions & { schema: Schema }
  ): Promise<SseRequestResult<SseSchemaOutput<Schema>>>
  request(options: SseRequestOptions): Promise<SseRequestResult>
  request(options: SseRequestOptions): Promise<SseRequestResult<unknown>> {
    const { monitor, logger } = this.#options
    const finished = streamRequest(this, options, logger)
    return monitor === undefined ? finished : countUpstream(monitor, finished)
  }

  close(): void {
    this.#close('closed')
  }

  #close(reason: SseEndReason): void {
    const stuck = this.#isOverBound()
    const wasOpen = this.#state === OPEN
    if (!this.#finish(reason)) return
    // A client that stopped reading would hold the socket until TCP gives up; drop it.
    if (wasOpen) this.#sink.end(stuck)
  }

  noContent(): boolean {
    const sink = this.#sink
    if (this.#state !== NEW || sink.noContent === undefined) {
      // A sink that cannot answer 204 gets an empty event stream: still no event to replay.
      if (this.#state === NEW) this.init()
      this.close()
      return false
    }
    sink.noContent()
    this.#finish('closed')
    return true
  }

  onDrain(): void {
    this.#full = false
    this.#options.monitor?.drained?.(this)
    this.#disarmSendTimer()
    if (!this.#writeHeld()) {
      this.#armSendTimer()
      return
    }
    const drain = this.#drain
    if (drain === undefined) return
    this.#drain = undefined
    drain.resolve(SENT_RESULT)
  }

  onClose(): void {
    this.#finish('client-left')
  }

  [onHeartbeat](): void {
    if (this.#held !== undefined || this.#isOverBound()) {
      if (this.#options.slowClient === 'disconnect') this.#drop('slow-client')
      return
    }
    if (!this.#sink.write(this.#options.heartbeatFrame)) {
      // A client that cannot take even a heartbeat is stuck or gone: time it out.
      this.#full = true
      this.#armSendTimer()
    }
  }

  [endForShutdown](finalFrame: string | undefined): Promise<void> {
    this.#endWith(finalFrame, 'shutdown')
    return this.#sink.whenClosed()
  }

  [dropConnection](): void {
    this.#sink.end(true)
  }

  #open(): void {
    const { headers, retry, heartbeat, maxDuration, group } = this.#options
    const sent = sseHeaders(this.#sink.keepAlive, headers)
    this.#sink.open(sent)
    this.#state = OPEN
    this.#options.monitor?.opened(this, sent)
    publishStart(this)
    if (retry !== undefined && !this.#sink.write(`retry: ${retry}\n\n`)) this.#full = true
    if (heartbeat > 0) this.#clock = joinHeartbeat(this, heartbeat)
    if (maxDuration > 0) {
      this.#lifeTimer = unref(
        setTimeout(
          () => {
            this.#endWith(this.#options.finalFrame, 'max-duration')
          },
          maxDuration - Math.floor(Math.random() * maxDuration * MAX_DURATION_JITTER)
        )
      )
    }
    if (group !== undefined) joinGroup(group, this)
  }

  /** Sends a last frame if the client can take it, then ends the stream. */
  #endWith(finalFrame: string | undefined, reason: SseEndReason): void {
    if (finalFrame !== undefined && this.#state === OPEN && !this.#isOverBound()) {
      this.#sink.write(finalFrame)
    }
    this.#close(reason)
  }

  #armSendTimer(): void {
    const ms = this.#options.sendTimeout
    if (ms === 0 || this.#sendTimer !== undefined || this.#state !== OPEN) return
    this.#sendTimer = unref(
      setTimeout(() => {
        this.#sendTimer = undefined
        this.#drop('send-timeout')
      }, ms)
    )
  }

  #disarmSendTimer(): void {
    if (this.#sendTimer === undefined) return
    clearTimeout(this.#sendTimer)
    this.#sendTimer = undefined
  }

  /**
   * @param bytes - The frame's UTF-8 size, for the monitor, when known without measuring it.
   */
  #send(frame: string, bytes?: number): Promise<SendResult> {
    if (this.#state !== OPEN) {
      if (this.#state === ENDED) {
        this.#options.monitor?.unsent?.(this, frame)
        return NOT_SENT
      }
      try {
        this.#open()
      } catch (error) {
        return Promise.reject(error)
      }
      // A group shutting down ends a stream as soon as it starts.
      if (this.#state !== OPEN) return NOT_SENT
    }
    if (this.#held !== undefined) return this.#hold(frame)
    if (this.#isOverBound()) {
      if (this.#options.slowClient === 'wait') return this.#hold(frame)
      this.#drop('slow-client')
      return NOT_SENT
    }
    this[lastWrite] = this.#clock.ticks
    this.#options.monitor?.sent(this, frame, bytes)
    // The sink may find the response ended by someone else as it writes.
    if (this.#sink.write(frame)) return this.clientDisconnected ? NOT_SENT : SENT
    this.#full = true
    this.#options.monitor?.blocked?.(this, this.#sink.bufferedBytes)
    this.#armSendTimer()
    return (this.#drain ??= deferred()).promise
  }

  /** Unsent bytes exceed the bound. Only read after backpressure, to keep sends cheap. */
  #isOverBound(): boolean {
    return this.#full && this.#sink.bufferedBytes > this.#options.maxBufferedBytes
  }

  #hold(text: string): Promise<SendResult> {
    const sent = deferred<SendResult>()
    ;(this.#held ??= []).push({ text, sent })
    this.#armSendTimer()
    return sent.promise
  }

  /**
   * Writes held frames in order until the bound is reached again.
   * @returns Whether the sink can take more without waiting.
   */
  #writeHeld(): boolean {
    const held = this.#held
    if (held !== undefined) {
      let written = 0
      for (const frame of held) {
        if (this.#isOverBound()) break
        this[lastWrite] = this.#clock.ticks
        this.#options.monitor?.sent(this, frame.text)
        if (!this.#sink.write(frame.text)) this.#full = true
        frame.sent.resolve(SENT_RESULT)
        written++
      }
      held.splice(0, written)
      if (held.length === 0) this.#held = undefined
    }
    return !this.#full
  }

  /** Ends the stream because the client fell more than `maxBufferedBytes` behind. */
  #drop(reason: SseEndReason): void {
    if (this.#finish(reason)) this.#sink.end(true)
  }

  /** Moves to the ended state once and releases everything; `false` if already ended. */
  #finish(reason: SseEndReason): boolean {
    const state = this.#state
    if (state === ENDED) return false
    this.#state = ENDED
    this.#endedBy = reason
    if (state === OPEN) {
      const { heartbeat, group } = this.#options
      if (heartbeat > 0) leaveHeartbeat(this, heartbeat)
      if (group !== undefined) leaveGroup(group, this)
      this.#disarmSendTimer()
      if (this.#lifeTimer !== undefined) clearTimeout(this.#lifeTimer)
      this.#lifeTimer = undefined
    }
    const drain = this.#drain
    this.#drain = undefined
    drain?.resolve(NOT_SENT_RESULT)
    const held = this.#held
    this.#held = undefined
    if (held !== undefined) for (const frame of held) frame.sent.resolve(NOT_SENT_RESULT)
    this.#abort?.abort(streamEndReason(this.#endedBy))
    this.#options.monitor?.ended(this, reason, state === OPEN)
    if (state === OPEN || reason === 'refused') publishEnd(this, reason)
    return true
  }
}

/**
 * Creates an event stream over a sink. Adapters call this; use it directly to serve SSE from
 * plain `node:http` or any runtime that answers with a `Response`.
 *
 * @param sink - Where the stream writes: `createNodeSink(req, res)` or `createWebSink()`.
 * @param options - Stream options; validated here.
 * @returns The stream, not yet started.
 * @throws TypeError for a `sink` that is not one, or naming the first invalid option.
 *
 * @example
 * ```ts
 * http.createServer(async (req, res) => {
 *   const stream = createSseStream(createNodeSink(req, res), { heartbeat: 10_000 })
 *   await stream.send({ event: 'hello', data: 'world' })
 * })
 * ```
 */
export function createSseStream(sink: SseSink, options?: SseStreamOptions): SseStream {
  return new EventStream(checkSink(sink), resolveStreamOptions(options))
}
