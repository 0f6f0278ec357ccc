import type { UpstreamEvent } from './request-options.js'

const LF = 10
const COLON = 58
const SPACE = 32

/** Where a parser records what outlives one frame, and one connection. */
export interface StreamPosition {
  /**
   * The `id` of the last frame that had one, data or not (the WHATWG "last event ID string");
   * an empty string once the upstream reset it with an empty `id`.
   */
  lastEventId: string | undefined
  /** The upstream's last valid `retry` field, in milliseconds; may be huge. */
  retry: number | undefined
}

/**
 * Turns the decoded text of one event stream into events, as the WHATWG event stream
 * interpretation says: lines end with CR, LF or CRLF (even split across chunks), `data` lines
 * join with LF, a blank line dispatches, a frame without `data` dispatches nothing but still
 * sets the last event id, `id` values with NUL and non-numeric `retry` values are ignored, and
 * comments and unknown fields are skipped.
 *
 * It bounds memory: an unterminated line plus the pending event's data may not exceed
 * `maxSize` characters. Work is linear in the input: each chunk is scanned once, and only the
 * line that spans two chunks is copied.
 */
export class EventParser {
  /** Frames ended so far (blank lines), with or without data. */
  frames = 0
  readonly #onEvent: (event: UpstreamEvent) => void
  readonly #position: StreamPosition
  readonly #maxSize: number
  /**
   * The start of a line whose end has not arrived yet, as received: joined once the line ends,
   * since appending chunk by chunk would build a rope costing far more than the text.
   */
  readonly #pending: string[] = []
  #pendingLength = 0
  /** The last chunk ended with CR: an LF starting the next one completes a CRLF. */
  #skipLf = false
  #data = ''
  #hasData = false
  #type: string | undefined
  #id: string | undefined
  /** A field line was seen since the last blank line. */
  #open = false
  #overflow = false

  /**
   * @param onEvent - Receives each dispatched event, with absent fields left out.
   * @param position - Updated with the last event id and `retry` as they arrive.
   * @param maxSize - The most characters of one event's data plus an unterminated line.
   */
  constructor(onEvent: (event: UpstreamEvent) => void, position: StreamPosition, maxSize: number) {
    this.#onEvent = onEvent
    this.#position = position
    this.#maxSize = maxSize
  }

  /**
   * Whether a frame has begun and not ended: a field line or the start of a line arrived
   * since the last blank line. Complete comment lines between frames do not count.
   */
  get midFrame(): boolean {
    return this.#open || this.#pendingLength > 0
  }

  /**
   * Parses the next piece of text.
   *
   * @param text - Decoded text, cut anywhere.
   * @returns `false` once the limit was exceeded; the parser then ignores all input.
   */
  feed(text: string): boolean {
    if (this.#overflow) return false
    const length = text.length
    let start = 0
    if (this.#skipLf && length > 0) {
      this.#skipLf = false
      if (text.charCodeAt(0) === LF) start = 1
    }
    // The next LF and CR, each searched again only once passed: one scan of the chunk.
    let lf = text.indexOf('\n', start)
    let cr = text.indexOf('\r', start)
    while (lf !== -1 || cr !== -1) {
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr
      let fits: boolean
      if (this.#pendingLength === 0) fits = this.#line(text, start, end)
      else {
        const line = this.#pending.join('') + text.slice(start, end)
        this.#pending.length = 0
        this.#pendingLength = 0
        fits = this.#line(line, 0, line.length)
      }
      if (!fits) return false
      start = end + 1
      if (end === cr) {
        if (start === length) this.#skipLf = true
        else if (text.charCodeAt(start) === LF) start++
        cr = text.indexOf('\r', start)
      } else if (text.charCodeAt(start) === LF) {
        // LF LF, the usual end of a frame: the blank line is taken here, saving a search.
        this.#dispatch()
        start++
      }
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start)
    }
    if (start < length) {
      this.#pending.push(start === 0 ? text : text.slice(start))
      this.#pendingLength += length - start
      if (this.#pendingLength + this.#data.length > this.#maxSize) this.#exceed()
    }
    return !this.#overflow
  }

  /**
   * Processes the line `text[start, end)`.
   *
   * @returns `false` when the event grew past the limit.
   */
  #line(text: string, start: number, end: number): boolean {
    if (start === end) {
      this.#dispatch()
      return true
    }
    const first = text.charCodeAt(start)
    if (first === COLON) return true
    this.#open = true
    // The usual fields are recognised by their first characters, without slicing the name.
    if (first === 100 && text.startsWith('data:', start)) {
      return this.#addData(text.slice(valueStart(text, start + 5), end))
    }
    if (first === 105 && text.startsWith('id:', start)) {
      this.#setId(text.slice(valueStart(text, start + 3), end))
    } else if (first === 101 && text.startsWith('event:', start)) {
      this.#setType(text.slice(valueStart(text, start + 6), end))
    } else {
      // Rare lines; slicing keeps the colon search within the line.
      return this.#field(text.slice(start, end))
    }
    return true
  }

  #field(line: string): boolean {
    const colon = line.indexOf(':')
    const name = colon === -1 ? line : line.slice(0, colon)
    const value = colon === -1 ? '' : line.slice(valueStart(line, colon + 1))
    switch (name) {
      case 'data':
        return this.#addData(value)
      case 'event':
        this.#setType(value)
        break
      case 'id':
        this.#setId(value)
        break
      case 'retry':
        if (/^\d+$/.test(value)) this.#position.retry = Number(value)
        break
    }
    return true
  }

  #setType(value: string): void {
    // An empty type means the default, `message`: absent, as for a frame without one.
    this.#type = value === '' ? undefined : value
  }

  #setId(value: string): void {
    if (!value.includes('\0')) this.#id = value
  }

  #addData(value: string): boolean {
    this.#data = this.#hasData ? `${this.#data}\n${value}` : value
    this.#hasData = true
    if (this.#data.length <= this.#maxSize) return true
    this.#exceed()
    return false
  }

  #dispatch(): void {
    this.frames++
    this.#open = false
    const id = this.#id
    // Set even by a frame without data, as the spec's last event ID string is.
    if (id !== undefined) this.#position.lastEventId = id
    if (this.#hasData) {
      const data = this.#data
      const type = this.#type
      this.#onEvent(
        type === undefined
          ? id === undefined
            ? { data }
            : { data, id }
          : id === undefined
            ? { event: type, data }
            : { event: type, data, id }
      )
      this.#data = ''
      this.#hasData = false
    }
    this.#type = undefined
    this.#id = undefined
  }

  #exceed(): void {
    this.#overflow = true
    this.#pending.length = 0
    this.#pendingLength = 0
    this.#data = ''
  }
}

/** Where a field's value starts, after the colon at `afterColon - 1` and one optional space. */
function valueStart(text: string, afterColon: number): number {
  return text.charCodeAt(afterColon) === SPACE ? afterColon + 1 : afterColon
}
