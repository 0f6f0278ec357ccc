import { describe } from './describe.js'

/** An HTTP token (RFC 9110 §5.6.2), the only legal shape of a header name or method. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Characters no header value may hold: controls other than HTAB, which split the block. */
// eslint-disable-next-line no-control-regex -- these are exactly the characters refused.
const CONTROL_CHAR = /[\x00-\x08\x0a-\x1f\x7f]/

/** Characters beyond Latin-1, which a header value, one byte per character, cannot carry. */
const WIDE_CHAR = /[\u0100-\uffff]/

/**
 * Builds the response headers of an event stream.
 *
 * `Connection: keep-alive` goes on persistent HTTP/1.1 connections only: HTTP/2 forbids
 * connection-specific headers (RFC 9113 §8.2.2), and a client that asked to close (or speaks
 * HTTP/1.0) must not be told otherwise. `X-Accel-Buffering: no` asks nginx not to buffer.
 *
 * @param keepAlive - Whether to send `Connection: keep-alive`.
 * @param extra - Headers from the stream's options; they override the defaults.
 * @returns The headers to send with status 200.
 */
export function sseHeaders(
  keepAlive: boolean,
  extra: Readonly<Record<string, string>> | undefined
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
  }
  if (keepAlive) headers.Connection = 'keep-alive'
  return extra === undefined ? headers : { ...headers, ...extra }
}

/**
 * Checks that a value is a header name (an HTTP token).
 *
 * @param name - The candidate header name.
 * @param field - What to call it in the error message.
 * @returns The name.
 * @throws TypeError when it is not a token.
 */
export function checkToken(name: unknown, field: string): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new TypeError(
      `${field} must be an HTTP token (letters, digits and !#$%&'*+-.^_\`|~); got ${describe(name)}.`
    )
  }
  return name
}

/**
 * Checks that a value can be sent as a header value: a string without CR, LF, NUL or other
 * control characters, which would split the header block, and with no character beyond
 * Latin-1, since a header carries one byte per character.
 *
 * @param value - The candidate header value.
 * @param field - What to call it in the error message.
 * @returns The value.
 * @throws TypeError when it cannot be sent.
 */
export function checkHeaderValue(value: unknown, field: string): string {
  const text = checkHeaderText(value, field)
  if (WIDE_CHAR.test(text)) {
    throw new TypeError(
      `${field} must hold Latin-1 characters only (one byte each); got ${JSON.stringify(text)}. Encode other text first, for instance with encodeURIComponent.`
    )
  }
  return text
}

/**
 * Checks a header value that the library encodes as UTF-8 itself (`Last-Event-ID`): any text
 * without CR, LF, NUL or other control characters.
 *
 * @param value - The candidate value.
 * @param field - What to call it in the error message.
 * @returns The value.
 * @throws TypeError when it is not a string or holds a control character.
 */
export function checkHeaderText(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${field} must be a string; got ${describe(value)}.`)
  }
  if (CONTROL_CHAR.test(value)) {
    throw new TypeError(
      `${field} must not contain CR, LF, NUL or other control characters; got ${JSON.stringify(value)}.`
    )
  }
  return value
}

/**
 * Checks a record of header names to values.
 *
 * @param headers - The candidate record.
 * @param option - The option's name, for error messages.
 * @returns The same record.
 * @throws TypeError naming the first invalid header.
 */
function checkHeaderRecord(headers: unknown, option: string): Record<string, string> {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new TypeError(`The option "${option}" must be an object of header names to values.`)
  }
  for (const [name, value] of Object.entries(headers)) {
    checkToken(name, `The header name ${JSON.stringify(name)} in "${option}"`)
    checkHeaderValue(value, `The header "${name}" in "${option}"`)
  }
  return headers as Record<string, string>
}

/**
 * Response headers that frame the body. An event stream has no length, and the server frames
 * it itself (chunked on HTTP/1.1): a `Content-Length` or `Transfer-Encoding` of the app's would
 * cut the stream short or make a kept-alive connection read the next response from the middle
 * of this one.
 */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding'])

/**
 * Checks the extra response headers of an event stream: a record of valid headers, none of
 * which frames the body.
 *
 * @param headers - The candidate record.
 * @param option - The option's name, for error messages.
 * @returns The same record.
 * @throws TypeError naming the first invalid or framing header.
 */
export function checkStreamHeaders(headers: unknown, option: string): Record<string, string> {
  const record = checkHeaderRecord(headers, option)
  for (const name of Object.keys(record)) {
    if (FRAMING_HEADERS.has(name.toLowerCase())) {
      throw new TypeError(
        `The header "${name}" in "${option}" frames the body, which the server does itself for an event stream: remove it.`
      )
    }
  }
  return record
}
