/**
 * Receives debug records of upstream requests instead of `console.debug`: a message such as
 * `'response'` and details such as `{ request: 3, status: 200, ms: 41 }`. Credentials are
 * redacted and bodies are never included.
 */
export type SseLogger = (message: string, details?: Record<string, unknown>) => void

/** Writes one record of a request's life. */
export type Log = (message: string, details?: Record<string, unknown>) => void

const PREFIX = '[ssekit]'
const REDACTED = '[redacted]'

/** Header names that always carry credentials. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie'])

/** Header and query parameter names that suggest a credential (`X-Api-Key`, `access_token`…). */
const CREDENTIAL_NAME = /key|token|secret|passw|auth|session|signature|credential/i

/** `NODE_DEBUG` entries that switch logging on; cached on the variable's last value. */
let lastNodeDebug: string | undefined
let lastEnabled = false

/**
 * Whether `NODE_DEBUG` names `ssekit`, as Node reads it: a comma-separated list,
 * case-insensitive, where `*` matches anything.
 *
 * @param value - The variable's value.
 * @returns Whether logging is on.
 */
export function nodeDebugEnables(value: string | undefined): boolean {
  if (value === undefined || value === '') return false
  if (value === lastNodeDebug) return lastEnabled
  const enabled = value.split(',').some((entry) => {
    const pattern = entry
      .trim()
      .replace(/[|\\{}()[\]^$+?.]/g, '\\$&')
      .replaceAll('*', '.*')
    return pattern !== '' && new RegExp(`^${pattern}$`, 'i').test('ssekit')
  })
  lastNodeDebug = value
  lastEnabled = enabled
  return enabled
}

function readNodeDebug(): string | undefined {
  try {
    // Core also runs where `process` is missing (Workers) or guarded (Deno without --allow-env).
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
      ?.env
    return env?.NODE_DEBUG
  } catch {
    return undefined
  }
}

function consoleLog(message: string, details?: Record<string, unknown>): void {
  // One line per record, so every line carries the prefix.
  console.debug(
    details === undefined
      ? `${PREFIX} ${message}`
      : `${PREFIX} ${message} ${JSON.stringify(details)}`
  )
}

/**
 * Picks where a request's debug records go: the caller's function, `console.debug` for
 * `true`, or `console.debug` when `NODE_DEBUG` names `ssekit` (whatever `debug` says, so
 * logging can be switched on without code changes).
 *
 * @param debug - The request's `debug` option.
 * @returns The sink, or `undefined` when logging is off.
 */
export function pickLogger(debug: boolean | SseLogger | undefined): SseLogger | undefined {
  if (typeof debug === 'function') return debug
  if (debug === true || nodeDebugEnables(readNodeDebug())) return consoleLog
  return undefined
}

/**
 * Starts the log of one request: every record carries the request's number and the
 * milliseconds since it started.
 *
 * @param logger - Where records go.
 * @param id - The request's number in this process.
 * @returns The request's log.
 */
export function requestLog(logger: SseLogger, id: number): Log {
  const start = performance.now()
  return (message, details) => {
    logger(message, { request: id, ms: Math.round(performance.now() - start), ...details })
  }
}

/**
 * Whether a header or query parameter of this name carries a credential.
 *
 * @param name - The name, any case.
 * @returns `true` for Authorization, Proxy-Authorization, Cookie, Set-Cookie and any name
 * containing `key`, `token`, `secret`, `auth` and the like.
 */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name.toLowerCase()) || CREDENTIAL_NAME.test(name)
}

/**
 * Copies headers for a log, with credential values replaced by `[redacted]`.
 *
 * @param headers - The request headers.
 * @returns A record of lower-case names to values.
 */
export function redactHeaders(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {}
  headers.forEach((value, name) => {
    record[name] = isCredentialName(name) ? REDACTED : value
  })
  return record
}

/**
 * Decodes a percent-encoded URL component, leaving a malformed one as it is.
 *
 * @param text - The encoded text.
 * @returns The decoded text.
 */
export function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * Formats a URL for logs and error messages: the values of query parameters that look like
 * credentials become `[redacted]`, and the fragment (never sent) is dropped. Requests never
 * hold user info: it is moved into an `Authorization` header first.
 *
 * @param url - The URL requested.
 * @returns The URL text without credentials.
 */
export function redactUrl(url: URL): string {
  if (url.search === '') return `${url.origin}${url.pathname}`
  const search = url.search
    .slice(1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=')
      if (equals === -1) return pair
      const name = decodeComponent(pair.slice(0, equals).replaceAll('+', ' '))
      return isCredentialName(name) ? `${pair.slice(0, equals)}=${REDACTED}` : pair
    })
    .join('&')
  return `${url.origin}${url.pathname}?${search}`
}
