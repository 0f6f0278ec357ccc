import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser'
import type { UpstreamEvent } from '../event/upstream-event.js'
import { FrameIdWatcher } from './frame-ids.js'

const LF = 10
const CR = 13

/** Where a parser records what outlives one frame, and one connection. */
export interface StreamPosition {
  /**
   * The `id` of the last frame that carried one, set when the frame ends, whether it had data
   * or not; an empty string once the upstream reset it with an empty `id`.
   */
  lastEventId: string | undefined
  /** The upstream's last valid `retry` field, in milliseconds; may be huge. */
  retry: number | undefined
}

/**
 * Turns the decoded text of one event stream into events with eventsource-parser, and keeps
 * what the connection needs besides: the last event id and `retry`, a bound on the size of
 * one event, and whether the upstream is in the middle of sending something (for the trickle
 * bound, `eventTimeout`).
 */
export class EventParser {
  /** Events and comments parsed so far: each shows that the upstream made progress. */
  frames = 0
  readonly #parser: EventSourceParser
  /** Sets the last event id, from every frame: eventsource-parser skips those without data. */
  readonly #ids: FrameIdWatcher
  #overflow = false
  #midFrame = false
  /** The last character fed was CR: the parser waits to see whether an LF follows. */
  #endsWithCr = false

  /**
   * @param onEvent - Receives each dispatched event, with absent fields left out.
   * @param position - Updated with the last event id and `retry` as they arrive.
   * @param maxSize - The most characters of one event's data plus an unterminated line.
   */
  constructor(onEvent: (event: UpstreamEvent) => void, position: StreamPosition, maxSize: number) {
    this.#ids = new FrameIdWatcher((id) => {
      position.lastEventId = id
    })
    this.#parser = createParser({
      onEvent: (message) => {
        this.frames++
        // The parser bounds what it holds between chunks; an event that arrived whole in one
        // chunk is checked here.
        if (message.data.length > maxSize) {
          this.#exceed()
          return
        }
        onEvent(toUpstreamEvent(message))
      },
      onComment: () => {
        this.frames++
      },
      onRetry: (ms) => {
        position.retry = ms
      },
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') this.#exceed()
      },
      maxBufferSize: maxSize,
    })
  }

  /**
   * Whether the upstream is in the middle of something: the last text completed no event or
   * comment, or it stops inside a line. A stream resting after an event or a comment (a
   * heartbeat) is not. A trickling upstream stays in the middle; a silent one does not.
   */
  get midFrame(): boolean {
    return this.#midFrame
  }

  /**
   * Parses the next piece of text.
   *
   * @param text - Decoded text, cut anywhere.
   * @returns `false` once the limit was exceeded; the parser then ignores all input.
   */
  feed(text: string): boolean {
    if (this.#overflow) return false
    if (text === '') return true
    const before = this.frames
    this.#parser.feed(text)
    this.#ids.feed(text)
    const last = text.charCodeAt(text.length - 1)
    this.#endsWithCr = last === CR
    this.#midFrame = this.frames === before || (last !== LF && last !== CR)
    return this.#settle()
  }

  #settle(): boolean {
    if (this.#overflow) this.#midFrame = false
    return !this.#overflow
  }

  /**
   * Ends the text. A stream whose last character is CR has ended its last line, but the
   * parser keeps waiting for a possible LF; an LF completes it.
   *
   * @returns `false` once the limit was exceeded.
   */
  end(): boolean {
    if (!this.#overflow && this.#endsWithCr) this.#parser.feed('\n')
    return !this.#overflow
  }

  #exceed(): void {
    this.#overflow = true
    this.#midFrame = false
  }
}

function toUpstreamEvent({ event, data, id }: EventSourceMessage): UpstreamEvent {
  if (event === undefined) return id === undefined ? { data } : { data, id }
  return id === undefined ? { event, data } : { event, data, id }
}
