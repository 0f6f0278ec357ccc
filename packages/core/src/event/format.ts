import { checkMilliseconds, describe } from '../util/index.js'
/**
 * One Server-Sent Event, as the application describes it.
 *
 * @example
 * ```ts
 * const event: SseEvent = { event: 'tick', id: '42', data: { n: 42 } }
 * ```
 */
export interface SseEvent {
  /** Event type. Absent means `message`, the type `EventSource.onmessage` receives. */
  event?: string
  /**
   * Payload. A string is sent as-is, one `data:` line per line (LF, CR or CRLF; clients join
   * the lines with LF); anything else is JSON-encoded. A `Map`, `Set`, `WeakMap`, `WeakSet`,
   * `ArrayBuffer` or typed array is refused (JSON would lose its contents): convert it first.
   */
  data?: unknown
  /** Becomes the client's Last-Event-ID. An empty string resets it. */
  id?: string
  /** Reconnection delay the client should use, in milliseconds (an integer from 0 to 2147483647). */
  retry?: number
  /** Comment line(s), ignored by clients; useful as a keep-alive or for debugging. */
  comment?: string
}

const FIELDS = 'comment, event, id, retry or data'

/**
 * Serializes an event into the exact text of one frame of the WHATWG `text/event-stream`
 * format, ending with the blank line that dispatches it.
 *
 * An event with an `event` type and no `data` is sent with empty data, so the client's listener
 * still fires; a frame with only `comment`, `id` or `retry` dispatches nothing.
 *
 * @param event - The event to serialize.
 * @returns The frame text.
 * @throws TypeError naming the offending field when the event cannot be sent as given: CR or LF
 * in `event` or `id`, NUL in `id`, a `retry` that is not an integer from 0 to 2147483647, `data` that
 * cannot be JSON-encoded (or would lose its contents: a Map, Set, ArrayBuffer or typed array), a
 * field of the wrong type, or an event with no field at all.
 *
 * @example
 * ```ts
 * formatEvent({ event: 'tick', id: '1', data: 'a\nb' })
 * // 'event: tick\nid: 1\ndata: a\ndata: b\n\n'
 * ```
 */
export function formatEvent(event: SseEvent): string {
  if (typeof (event as unknown) !== 'object' || (event as unknown) === null) {
    throw new TypeError(`The event must be an object with ${FIELDS}; got ${describe(event)}.`)
  }
  const { comment, event: type, id, retry, data } = event
  let frame = comment === undefined ? '' : formatComment(comment, 'comment')
  if (type !== undefined) frame += `event: ${singleLine(type, 'event')}\n`
  if (id !== undefined) frame += `id: ${checkId(id)}\n`
  if (retry !== undefined)
    frame += `retry: ${checkMilliseconds(retry, 'The event field "retry"')}\n`
  if (data !== undefined) frame += formatData(data)
  // Without a data line the client discards the event; an empty one makes the listener fire.
  else if (type !== undefined) frame += 'data: \n'
  if (frame === '') {
    throw new TypeError(`The event has none of ${FIELDS}: it would send nothing.`)
  }
  return `${frame}\n`
}

/**
 * Serializes an event given as an option, such as a final event sent at shutdown, so that an
 * invalid one is reported under the option's name.
 *
 * @param event - The option's value.
 * @param name - The option's name.
 * @returns The frame text.
 * @throws TypeError naming the option and the offending field.
 */
export function formatEventOption(event: SseEvent, name: string): string {
  try {
    return formatEvent(event)
  } catch (cause) {
    throw new TypeError(`The option "${name}" is not a valid event: ${(cause as Error).message}`, {
      cause,
    })
  }
}

/**
 * Serializes comment text into one `:` line per line of text.
 *
 * @param text - The comment; LF, CR and CRLF separate lines.
 * @param field - The name used in the error message.
 * @returns The comment lines, without the blank line that ends a frame.
 * @throws TypeError when `text` is not a string.
 */
export function formatComment(text: unknown, field = 'comment'): string {
  if (typeof text !== 'string') throw fieldTypeError(field, 'a string', text)
  return prefixLines(': ', text)
}

function formatData(data: unknown): string {
  if (typeof data === 'string') return prefixLines('data: ', data)
  // JSON text escapes CR and LF inside strings and never contains them between tokens, so it
  // always fits on one line.
  return `data: ${toJson(data)}\n`
}

/** `JSON.stringify` as it behaves: `undefined` for functions, symbols and `undefined`. */
const stringify: (value: unknown) => string | undefined = JSON.stringify

function toJson(data: unknown): string {
  if (typeof data === 'object' && data !== null) checkEncodable(data)
  let json: string | undefined
  try {
    json = stringify(data)
  } catch (cause) {
    throw new TypeError(
      `The event field "data" cannot be JSON-encoded (${(cause as Error).message}). ` +
        'Send a string, or data without cycles or BigInt values.',
      { cause }
    )
  }
  if (json === undefined) {
    throw new TypeError(
      `The event field "data" cannot be JSON-encoded: got ${describe(data)}. Send a string or ` +
        'JSON-serializable data.'
    )
  }
  return json
}

/**
 * Refuses top-level `data` that `JSON.stringify` would silently turn into something else
 * (a Map, a Set or an ArrayBuffer into `{}`, a typed array into an object of indices). Plain
 * objects, arrays and anything with `toJSON` (Date, class instances) pass at the cost of a
 * prototype check; nested values are the caller's to make JSON-friendly.
 */
function checkEncodable(data: object): void {
  const proto: unknown = Object.getPrototypeOf(data)
  if (proto === Object.prototype || proto === null || Array.isArray(data)) return
  if (typeof (data as { toJSON?: unknown }).toJSON === 'function') return
  const fix = encodingFix(data)
  if (fix !== undefined) {
    const type = Object.prototype.toString.call(data).slice(8, -1)
    throw new TypeError(`The event field "data" is of type ${type}, which JSON encodes as ${fix}.`)
  }
}

function encodingFix(data: object): string | undefined {
  if (data instanceof Map) return '{}: pass Object.fromEntries(map) or [...map]'
  if (data instanceof Set) return '{}: pass [...set]'
  if (data instanceof WeakMap || data instanceof WeakSet) return '{}: pass its contents'
  if (ArrayBuffer.isView(data)) {
    return 'an object of indices: pass Array.from(bytes), or a string (e.g. base64)'
  }
  if (isArrayBuffer(data)) {
    return '{}: pass Array.from(new Uint8Array(buffer)), or a string (e.g. base64)'
  }
  return undefined
}

function isArrayBuffer(data: object): boolean {
  const tag = Object.prototype.toString.call(data)
  return tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]'
}

/**
 * Writes `prefix` before every line of `text`. Lines end at LF, CR or CRLF, as the event-stream
 * parser reads them, so a lone CR cannot smuggle a field into the frame.
 */
function prefixLines(prefix: string, text: string): string {
  let lf = text.indexOf('\n')
  let cr = text.indexOf('\r')
  if (lf === -1 && cr === -1) return `${prefix}${text}\n`
  let out = ''
  let start = 0
  while (lf !== -1 || cr !== -1) {
    const atCr = cr !== -1 && (lf === -1 || cr < lf)
    const end = atCr ? cr : lf
    out += `${prefix}${text.slice(start, end)}\n`
    start = atCr && lf === cr + 1 ? cr + 2 : end + 1
    if (lf !== -1 && lf < start) lf = text.indexOf('\n', start)
    if (cr !== -1 && cr < start) cr = text.indexOf('\r', start)
  }
  return `${out}${prefix}${text.slice(start)}\n`
}

function singleLine(value: unknown, field: string): string {
  if (typeof value !== 'string') throw fieldTypeError(field, 'a string', value)
  if (value.indexOf('\n') !== -1 || value.indexOf('\r') !== -1) {
    throw new TypeError(
      `The event field "${field}" must not contain CR or LF: a line break would end the field ` +
        `and let the rest forge another one. Got ${JSON.stringify(value)}.`
    )
  }
  return value
}

function checkId(value: unknown): string {
  const id = singleLine(value, 'id')
  if (id.indexOf('\0') !== -1) {
    throw new TypeError(
      `The event field "id" must not contain NUL: clients ignore such an id. Got ${JSON.stringify(id)}.`
    )
  }
  return id
}

function fieldTypeError(field: string, expected: string, value: unknown): TypeError {
  return new TypeError(`The event field "${field}" must be ${expected}; got ${describe(value)}.`)
}
