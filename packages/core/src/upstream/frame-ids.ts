const LF = 10
const CR = 13
const SPACE = 32

/**
 * Follows the `id` fields of an event stream, alongside eventsource-parser, so that every
 * frame that ends with an id sets the last event id, as the spec says: a frame with an `id`
 * and no `data` dispatches no event but still moves the id a reconnection sends.
 *
 * Why a watcher and not another parser: eventsource-parser 3 drops an id-only frame without a
 * word, and version 4, which reports ids, needs Node 22 while ssekit supports Node 20. So the
 * text stays parsed by eventsource-parser alone, and this watcher only looks at the lines that
 * start with `i` and at frame ends. A chunk without a line starting with `i`, while no id
 * awaits its frame's end, costs two substring searches: events with data and no id, the bulk
 * of any stream, are never split into lines here.
 */
export class FrameIdWatcher {
  /** Receives the id of each frame that ended with one. */
  readonly #onId: (id: string) => void
  /**
   * The start of the current line when it may be an `id` line (`''` at the start of a line);
   * `null` in a line that cannot be one.
   */
  #carry: string | null = ''
  /** The last chunk ended with CR: an LF starting the next one belongs to it. */
  #afterCr = false
  /** The id given in the current frame, until the blank line that ends it. */
  #frameId: string | undefined

  /** @param onId - Receives the id of each frame that ended with one, in stream order. */
  constructor(onId: (id: string) => void) {
    this.#onId = onId
  }

  /**
   * Looks at the next piece of text, as fed to the parser.
   *
   * @param text - Decoded text, cut anywhere.
   */
  feed(text: string): void {
    const start = this.#afterCr && text.charCodeAt(0) === LF ? 1 : 0
    if (text.length === start) {
      this.#afterCr = false
      return
    }
    const carry = this.#carry
    if (
      this.#frameId === undefined &&
      (carry === null || carry === '') &&
      !(carry === '' && text.charCodeAt(start) === 105) &&
      !text.includes('\ni') &&
      !text.includes('\ri')
    ) {
      this.#skip(text, start)
      return
    }
    this.#scan(text, start)
  }

  /** Text with no line that may be an `id` line, while no id waits for its frame's end. */
  #skip(text: string, start: number): void {
    const last = text.charCodeAt(text.length - 1)
    this.#afterCr = last === CR
    if (last === LF || last === CR) this.#carry = ''
    else if (this.#carry === '' || text.includes('\n', start) || text.includes('\r', start)) {
      // The text ends inside a line that does not start with `i`.
      this.#carry = null
    }
  }

  #scan(text: string, start: number): void {
    const length = text.length
    let lf = text.indexOf('\n', start)
    let cr = text.indexOf('\r', start)
    let position = start
    this.#afterCr = false
    for (;;) {
      if (lf !== -1 && lf < position) lf = text.indexOf('\n', position)
      if (cr !== -1 && cr < position) cr = text.indexOf('\r', position)
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr)
      if (end === -1) break
      this.#line(text, position, end)
      position = end + 1
      if (end === cr) {
        if (position === length) this.#afterCr = true
        else if (text.charCodeAt(position) === LF) position++
      }
    }
    if (position === length) return
    const carry = this.#carry
    if (carry === null) return
    const rest = carry + text.slice(position)
    const mayBeId = rest.length <= 2 ? 'id'.startsWith(rest) : rest.startsWith('id:')
    this.#carry = mayBeId ? rest : null
  }

  /** One complete line: `text` from `start` to `end`, after what was carried. */
  #line(text: string, start: number, end: number): void {
    const carry = this.#carry
    this.#carry = ''
    if (carry === null) return
    if (carry === '' && start === end) {
      // A blank line ends the frame.
      const id = this.#frameId
      this.#frameId = undefined
      if (id !== undefined) this.#onId(id)
      return
    }
    if (carry === '' && text.charCodeAt(start) !== 105) return
    const line = carry + text.slice(start, end)
    if (line !== 'id' && !line.startsWith('id:')) return
    const value = line.slice(line.charCodeAt(3) === SPACE ? 4 : 3)
    // An id with NUL is ignored, as eventsource-parser and browsers do.
    if (!value.includes('\0')) this.#frameId = value
  }
}
