import { checkHeaderText, checkHeaderValue, checkToken, describe } from '../util/index.js'
import { decodeComponent } from '../util/redact.js'
import type { SseRequestHeaders } from './options.js'

/** The caller's headers, checked, with `Last-Event-ID` kept apart. */
export interface CheckedHeaders {
  /** The headers to send, `Last-Event-ID` aside. */
  readonly headers: Headers
  /** The caller's `Last-Event-ID` as text, sent as UTF-8 until the upstream sends an id. */
  readonly lastEventId: string | undefined
}

/** What every attempt's headers get besides the caller's. */
export interface HeaderDefaults {
  /** `Authorization: Basic` from the URL's user info, unless the caller set one. */
  readonly basicAuth: string | undefined
  /** The `bodyMediaType` option, which replaces the caller's `Content-Type`. */
  readonly mediaType: string | undefined
  /** The body is JSON-encoded: `application/json`, unless the caller set a `Content-Type`. */
  readonly json: boolean
}

/**
 * Adds what ssekit sends besides the caller's headers: `Accept: text/event-stream`, the URL's
 * user info as Basic authorization, and the body's `Content-Type`.
 *
 * @param headers - The caller's headers, changed in place.
 * @param defaults - What the request adds.
 * @returns The same headers.
 */
export function completeHeaders(headers: Headers, defaults: HeaderDefaults): Headers {
  if (!headers.has('accept')) headers.set('accept', 'text/event-stream')
  if (defaults.basicAuth !== undefined && !headers.has('authorization')) {
    headers.set('authorization', defaults.basicAuth)
  }
  if (defaults.mediaType !== undefined) headers.set('content-type', defaults.mediaType)
  else if (defaults.json && !headers.has('content-type')) {
    headers.set('content-type', 'application/json')
  }
  return headers
}

/**
 * Calls the caller's headers function and checks what it returns.
 *
 * @param source - The `headers` option's function.
 * @returns The checked headers.
 * @throws What the function throws; a TypeError naming the first invalid header.
 */
export async function headersFrom(
  source: () => SseRequestHeaders | PromiseLike<SseRequestHeaders>
): Promise<CheckedHeaders> {
  return checkHeaders(await source(), 'function')
}

/** The `Authorization: Basic` value for the user info of a URL (RFC 7617, UTF-8). */
export function basicAuth(url: URL): string {
  const userPass = `${decodeComponent(url.username)}:${decodeComponent(url.password)}`
  let binary = ''
  for (const byte of new TextEncoder().encode(userPass)) binary += String.fromCharCode(byte)
  return `Basic ${btoa(binary)}`
}

/**
 * Headers of the connection and the body, which fetch sets itself. Node's fetch (undici)
 * fails a request carrying `Expect`, `Keep-Alive`, `Transfer-Encoding`, `Upgrade`, or a
 * `Connection` other than `close` or `keep-alive`, and one whose `Content-Length` differs
 * from the body, with a network error that hides the cause: naming the header at the call
 * is clearer.
 */
const MANAGED_HEADERS = new Set(['expect', 'keep-alive', 'transfer-encoding', 'upgrade'])

function checkManagedHeader(name: string, value: string, where: string): void {
  const lower = name.toLowerCase()
  if (
    MANAGED_HEADERS.has(lower) ||
    lower === 'content-length' ||
    (lower === 'connection' && !/^\s*(close|keep-alive)\s*$/i.test(value))
  ) {
    throw new TypeError(
      `The header "${name}" in ${where} is set by fetch from the connection and the body: remove it.`
    )
  }
}

/**
 * Checks the caller's headers. `Last-Event-ID` is kept apart as text: it is often an id a
 * browser sent (any Unicode), and the call sends it as UTF-8 bytes, as browsers do.
 */
export function checkHeaders(value: unknown, source?: 'function'): CheckedHeaders {
  const where = source === undefined ? '"headers"' : 'what the function in "headers" returned'
  const subject = source === undefined ? 'The option "headers"' : 'The function in "headers"'
  const headers = new Headers()
  let lastEventId: string | undefined
  if (value === undefined) return { headers, lastEventId }
  const add = (name: unknown, headerValue: unknown): void => {
    const label = typeof name === 'string' ? JSON.stringify(name) : describe(name)
    checkToken(name, `The header name ${label} in ${where}`)
    if ((name as string).toLowerCase() === 'last-event-id') {
      lastEventId = checkHeaderText(headerValue, `The header "${name as string}"`)
      return
    }
    // Checked here rather than by `Headers`, which silently trims a trailing CR or LF.
    const checked = checkHeaderValue(headerValue, `The header "${String(name)}"`)
    checkManagedHeader(name as string, checked, where)
    headers.append(name as string, checked)
  }
  if (value instanceof Headers) {
    value.forEach((headerValue, name) => {
      add(name, headerValue)
    })
  } else if (typeof value === 'object' && value !== null && Symbol.iterator in value) {
    for (const pair of value as Iterable<unknown>) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(`${subject} must hold [name, value] pairs; got ${describe(pair)}.`)
      }
      add(pair[0], pair[1])
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [name, headerValue] of Object.entries(value)) add(name, headerValue)
  } else {
    throw new TypeError(
      `${subject} must ${source === undefined ? 'be' : 'return'} a record, a Headers object or [name, value] pairs; got ${describe(value)}.`
    )
  }
  return { headers, lastEventId }
}
