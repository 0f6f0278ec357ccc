/**
 * The rules that keep credentials out of everything the library shows or sends on: debug logs,
 * error messages and fields, and the headers a redirect to another origin may carry.
 */

/** What a redacted value is replaced with. */
const REDACTED = '[redacted]'

/** Header names that always carry credentials. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie'])

/**
 * Parts of header names that suggest a credential: `X-Api-Key`, `X-Auth-Token`, `X-JWT`,
 * `X-CSRF-Token`, `X-Client-Cert`, `X-Hub-Signature`… Broad on purpose: a header wrongly
 * redacted costs a line of log, one wrongly shown costs a key.
 */
const CREDENTIAL_PART =
  /auth|token|key|secret|pass|pwd|session|cookie|signature|jwt|bearer|csrf|xsrf|cert|credential|otp|hmac|(?:^|[-_.])sig(?:$|[-_.])/i

/**
 * Query parameters whose values are shown in logs and errors; every other value is redacted,
 * since credentials hide under many names (`sig`, `code`, `X-Amz-Signature`, `key`…).
 */
const HARMLESS_QUERY_NAMES = new Set([
  'alt',
  'api-version',
  'api_version',
  'format',
  'lang',
  'language',
  'limit',
  'locale',
  'model',
  'offset',
  'order',
  'page',
  'page_size',
  'per_page',
  'sort',
  'stream',
  'v',
  'version',
])

/**
 * Whether a header of this name carries a credential: it is redacted in logs and not sent on
 * to another origin by a redirect.
 *
 * @param name - The header name, any case.
 * @returns `true` for Authorization, Proxy-Authorization, Cookie, Set-Cookie and any name
 * containing `auth`, `token`, `key`, `secret`, `session`, `signature`, `jwt`, `bearer`,
 * `csrf`, `cert`, `credential` and the like.
 */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name.toLowerCase()) || CREDENTIAL_PART.test(name)
}

/** Response headers whose value is a URL, which may carry a signed query. */
const URL_HEADERS = new Set(['location', 'content-location'])

/** Stands in for the base of a relative URL while it is redacted. */
const RELATIVE_BASE = 'http://relative.invalid'

/** A URL header's value with its query redacted as {@link redactUrl} does. */
function redactUrlValue(value: string): string {
  try {
    const url = new URL(value, RELATIVE_BASE)
    const text = redactUrl(url)
    // A relative URL shows as it came, from its path.
    return url.origin === RELATIVE_BASE ? text.slice(RELATIVE_BASE.length) : text
  } catch {
    return REDACTED
  }
}

/**
 * Copies headers for a log, with credential values replaced by `[redacted]` and the queries
 * of URLs (`Location`) redacted.
 *
 * @param headers - The headers.
 * @returns A record of lower-case names to values.
 */
export function redactHeaders(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {}
  headers.forEach((value, name) => {
    record[name] = isCredentialHeader(name)
      ? REDACTED
      : URL_HEADERS.has(name)
        ? redactUrlValue(value)
        : value
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

function redactQueryPair(pair: string): string {
  const equals = pair.indexOf('=')
  const rawName = equals === -1 ? pair : pair.slice(0, equals)
  const name = decodeComponent(rawName.replaceAll('+', ' ')).toLowerCase()
  if (HARMLESS_QUERY_NAMES.has(name) || pair === '') return pair
  // A lone name may be the credential itself (`?0123abcd`).
  return equals === -1 ? REDACTED : `${rawName}=${REDACTED}`
}

/**
 * Formats a URL for logs and error messages: user info and the fragment are left out, and
 * every query value is `[redacted]` unless its name is a known harmless one (`model`,
 * `stream`, `page`, `api-version`…). The path is shown as it is.
 *
 * @param url - The URL.
 * @returns The URL text without credentials.
 */
export function redactUrl(url: URL): string {
  const base = `${url.origin}${url.pathname}`
  if (url.search === '') return base
  return `${base}?${url.search.slice(1).split('&').map(redactQueryPair).join('&')}`
}
