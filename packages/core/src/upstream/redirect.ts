import { SseUpstreamError } from './errors.js'
import type { Log } from '../util/log.js'
import { isCredentialHeader, redactUrl } from '../util/redact.js'
import type { SseDispatcher } from './dispatcher.js'
import type { SseRequestBody } from './options.js'
import type { ResolvedRequest } from './resolve-request.js'

/** The most redirects followed in a row, as in fetch. */
const MAX_REDIRECTS = 20

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/** Headers that describe a body, removed with it when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type']

/** One request of a chain of redirects. */
interface Hop {
  url: URL
  method: string
  body: SseRequestBody | undefined
}

/**
 * Sends a request and follows its redirects by the request's policy: the `fetch` in use only
 * sees `redirect: 'manual'`, so no header reaches another origin unless the policy allows it.
 *
 * @param request - The validated request.
 * @param headers - This connection's own copy of the headers; redirects may remove some.
 * @param signal - Aborts the whole chain.
 * @param log - The request's debug log.
 * @returns The first answer that is not a followed redirect.
 * @throws {@link SseUpstreamError} of type `'redirect'` for a refused redirect; what `fetch`
 * throws.
 */
export async function fetchFollowingRedirects(
  request: ResolvedRequest,
  headers: Headers,
  signal: AbortSignal,
  log: Log | undefined
): Promise<Response> {
  const hop: Hop = { url: request.url, method: request.method, body: request.body }
  for (let redirects = 0; ; redirects++) {
    const init: Omit<RequestInit, 'dispatcher'> & { duplex?: 'half'; dispatcher?: SseDispatcher } =
      {
        method: hop.method,
        headers,
        body: hop.body,
        signal,
        redirect: 'manual',
      }
    if (request.dispatcher !== undefined) init.dispatcher = request.dispatcher
    // Node's fetch refuses a streamed body without it.
    if (request.streamedBody && hop.body !== undefined) init.duplex = 'half'
    const response = await request.fetch(hop.url.href, init as RequestInit)
    if (response.type === 'opaqueredirect') {
      throw refuse(
        request,
        response,
        log,
        `The upstream ${request.safeUrl} redirected, and the fetch in use hides where to (an opaque redirect): pass a "fetch" that returns the 3xx answer for redirect: 'manual', as Node's, Deno's and Bun's do.`
      )
    }
    if (!REDIRECT_STATUSES.has(response.status)) return response
    const next = nextHop(request, hop, response, redirects, log)
    const crossOrigin = next.url.origin !== hop.url.origin
    const dropped: string[] = []
    if (crossOrigin && !request.redirect.forwardCredentials) {
      headers.forEach((_, name) => {
        if (isCredentialHeader(name)) dropped.push(name)
      })
      for (const name of dropped) headers.delete(name)
    }
    if (next.body === undefined && hop.body !== undefined) {
      for (const name of BODY_HEADERS) headers.delete(name)
    }
    log?.('redirect', {
      status: response.status,
      method: next.method,
      url: redactUrl(next.url),
      crossOrigin,
      droppedHeaders: dropped,
    })
    hop.url = next.url
    hop.method = next.method
    hop.body = next.body
  }
}

/**
 * Where a redirect leads, if the policy follows it; its answer's body is released.
 *
 * @throws {@link SseUpstreamError} of type `'redirect'` when the policy refuses it.
 */
function nextHop(
  request: ResolvedRequest,
  hop: Hop,
  response: Response,
  redirects: number,
  log: Log | undefined
): Hop {
  response.body?.cancel().catch(() => undefined)
  const status = response.status
  const from = redactUrl(hop.url)
  const location = response.headers.get('location')
  const refused = (why: string): SseUpstreamError =>
    refuse(request, response, log, `The upstream ${from} answered ${status}: ${why}`)
  if (location === null) throw refused('a redirect without a Location header.')
  let url: URL
  try {
    url = new URL(location, hop.url)
  } catch {
    throw refused('a redirect to a Location that is not a URL.')
  }
  const to = redactUrl(url)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refused(`a redirect to ${url.protocol}, which is not http: or https:; refused.`)
  }
  if (hop.url.protocol === 'https:' && url.protocol === 'http:') {
    throw refused(`a redirect from https to ${to}, which is not encrypted; refused.`)
  }
  if (url.username !== '' || url.password !== '') {
    throw refused(`a redirect to ${to} with user info in the URL; refused.`)
  }
  const { mode } = request.redirect
  if (mode === 'error') throw refused(`a redirect to ${to}, refused by redirect: 'error'.`)
  if (redirects === MAX_REDIRECTS) {
    throw refused(`a redirect to ${to} after ${MAX_REDIRECTS} redirects in a row; refused.`)
  }
  if (url.origin !== hop.url.origin && mode !== 'follow') {
    if (url.protocol === 'https:' && url.hostname === hop.url.hostname) {
      throw refused(
        `a redirect to https at ${to}, another origin; refused. Request the https: URL directly.`
      )
    }
    throw refused(
      `a redirect to another origin, ${to}; refused so that no credential reaches it. Set redirect: 'follow' to follow it without credential headers.`
    )
  }
  const method = hop.method.toUpperCase()
  if (
    (status === 303 && method !== 'GET' && method !== 'HEAD') ||
    ((status === 301 || status === 302) && method === 'POST')
  ) {
    return { url, method: 'GET', body: undefined }
  }
  if (hop.body !== undefined && request.streamedBody) {
    throw refused(
      `a redirect to ${to} that keeps the body, and a streamed body cannot be sent twice; refused. Pass the body as a string or bytes.`
    )
  }
  return { url, method: hop.method, body: hop.body }
}

function refuse(
  request: ResolvedRequest,
  response: Response,
  log: Log | undefined,
  message: string
): SseUpstreamError {
  response.body?.cancel().catch(() => undefined)
  const contentType = response.headers.get('content-type')
  log?.('error', { type: 'redirect', status: response.status, message })
  return new SseUpstreamError(message, {
    type: 'redirect',
    url: request.safeUrl,
    status: response.status,
    contentType,
  })
}
