import { checkHeaderValue, checkToken } from './validate.js'

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
