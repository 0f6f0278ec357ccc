import {
  checkBoolean,
  checkCount,
  checkFunction,
  checkHeaderValue,
  checkMilliseconds,
  checkToken,
  describe,
  option,
  type NumberRule,
} from '../util/index.js'
import { checkDispatcher, untimedDispatcher, type SseDispatcher } from './dispatcher.js'
import { checkDebug, pickLogger, type SseLogger } from '../util/log.js'
import { redactUrl } from '../util/redact.js'
import { checkSchema, type ResolvedSchema } from './schema.js'
import { basicAuth, checkHeaders, completeHeaders, type HeaderDefaults } from './request-headers.js'
import { resolveReconnect, type ResolvedReconnect } from './reconnect.js'
import { resolveRedirect, type RedirectPolicy } from './redirect-policy.js'
import type { UpstreamEvent } from '../event/upstream-event.js'
import {
  DEFAULT_EVENT_TIMEOUT_MS,
  DEFAULT_MAX_COLLECTED_BYTES,
  DEFAULT_MAX_EVENT_SIZE,
  DEFAULT_MAX_EVENTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type SseFetch,
  type SseOpenInfo,
  type SseRequestBody,
  type SseRequestHeaders,
  type SseRequestOptions,
} from './options.js'

/** `JSON.stringify` as it behaves: `undefined` when the value's `toJSON` returns nothing. */
const stringify: (value: unknown) => string | undefined = JSON.stringify

/** Methods `fetch` refuses (WHATWG Fetch "forbidden method"). */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

/** Validated options of one upstream request. */
export interface ResolvedRequest {
  readonly url: URL
  /** The URL as logs and errors show it, without credentials. */
  readonly safeUrl: string
  readonly method: string
  /**
   * The headers to send, `Last-Event-ID` aside; each connection sends a copy. Without a
   * `headerSource`, the caller's; with one, only what ssekit adds.
   */
  readonly headers: Headers
  /** The caller's function in `headers`, called before each connection attempt. */
  readonly headerSource: (() => SseRequestHeaders | PromiseLike<SseRequestHeaders>) | undefined
  /** What each attempt adds to the headers the `headerSource` returned. */
  readonly headerDefaults: HeaderDefaults
  /** The caller's `Last-Event-ID` as text, sent as UTF-8 until the upstream sends an id. */
  readonly lastEventId: string | undefined
  readonly body: SseRequestBody | undefined
  /** Node's fetch needs `duplex: 'half'` to send a streamed body. */
  readonly streamedBody: boolean
  readonly forward: boolean
  readonly signal: AbortSignal | undefined
  readonly timeout: number
  readonly idleTimeout: number
  readonly eventTimeout: number
  /** Present when the call reconnects. */
  readonly reconnect: ResolvedReconnect | undefined
  /** Why a request that asked to reconnect will not, for the debug log. */
  readonly reconnectRefused: string | undefined
  readonly onOpen: ((info: SseOpenInfo) => void) | undefined
  readonly logger: SseLogger | undefined
  readonly fetch: SseFetch
  /**
   * Passed to `fetch` as `dispatcher`: the caller's, or with the global `fetch` the
   * process-wide one, without undici's own timeouts. Absent for a caller's `fetch` alone.
   */
  readonly dispatcher: SseDispatcher | undefined
  readonly redirect: RedirectPolicy
  readonly transform: ((event: UpstreamEvent) => UpstreamEvent | null) | undefined
  /** Present when events are parsed as JSON and validated. */
  readonly schema: ResolvedSchema | undefined
  readonly collect: boolean
  readonly maxEvents: number
  readonly maxCollectedBytes: number
  readonly maxEventSize: number
}

/**
 * Validates request options before any I/O.
 *
 * @param options - The caller's options.
 * @param streamLogger - The debug logger of the stream the request forwards into, used when
 * the request does not set `debug` itself.
 * @returns The resolved request.
 * @throws TypeError naming the first invalid option.
 */
export function resolveRequestOptions(
  options: SseRequestOptions,
  streamLogger?: SseLogger
): ResolvedRequest {
  if (typeof (options as unknown) !== 'object' || (options as unknown) === null) {
    throw new TypeError(
      `Upstream request options must be an object with at least a "url"; got ${describe(options)}.`
    )
  }
  const url = checkUrl(options.url)
  const method = checkMethod(options.method)
  const headerSource = typeof options.headers === 'function' ? options.headers : undefined
  const { headers, lastEventId } = checkHeaders(headerSource === undefined ? options.headers : {})
  let userInfo: string | undefined
  if (url.username !== '' || url.password !== '') {
    // fetch refuses credentials in the URL; send them the way curl and node:http do.
    userInfo = basicAuth(url)
    url.username = ''
    url.password = ''
  }
  const { body, json, streamed } = checkBody(options.body, method)
  const dispatcher = checkDispatcher(options.dispatcher)
  const { reconnect, refused } = resolveReconnect(options.reconnect, method, streamed)
  const mediaType =
    options.bodyMediaType === undefined
      ? undefined
      : checkHeaderValue(options.bodyMediaType, 'The option "bodyMediaType"')
  if (mediaType !== undefined && body === undefined) {
    throw new TypeError('The option "bodyMediaType" was given without a "body" to describe.')
  }
  const headerDefaults: HeaderDefaults = { basicAuth: userInfo, mediaType, json }
  return {
    url,
    safeUrl: redactUrl(url),
    method,
    headers: completeHeaders(headers, headerDefaults),
    headerSource,
    headerDefaults,
    lastEventId,
    body,
    streamedBody: streamed,
    forward: optional(options.forward, 'forward', checkBoolean, false),
    signal: checkSignal(options.signal),
    timeout: optional(options.timeout, 'timeout', checkMilliseconds, DEFAULT_REQUEST_TIMEOUT_MS),
    idleTimeout: optional(options.idleTimeout, 'idleTimeout', checkMilliseconds, 0),
    eventTimeout: optional(
      options.eventTimeout,
      'eventTimeout',
      checkMilliseconds,
      DEFAULT_EVENT_TIMEOUT_MS
    ),
    reconnect,
    reconnectRefused: refused,
    onOpen: optional(options.onOpen, 'onOpen', checkFunction, undefined),
    logger:
      options.debug === undefined && streamLogger !== undefined
        ? streamLogger
        : pickLogger(checkDebug(options.debug)),
    fetch: checkFetch(options.fetch),
    dispatcher:
      options.fetch === undefined || dispatcher !== undefined
        ? untimedDispatcher(dispatcher)
        : undefined,
    redirect: resolveRedirect(options.redirect, options.unsafeForwardCredentialsOnRedirect),
    transform: optional(options.transform, 'transform', checkFunction, undefined),
    schema: checkSchema(options.schema, options.invalidEvents),
    collect: optional(options.collect, 'collect', checkBoolean, true),
    maxEvents: optional(options.maxEvents, 'maxEvents', checkCount, DEFAULT_MAX_EVENTS, UNBOUNDED),
    maxCollectedBytes: optional(
      options.maxCollectedBytes,
      'maxCollectedBytes',
      checkCount,
      DEFAULT_MAX_COLLECTED_BYTES,
      UNBOUNDED
    ),
    maxEventSize: optional(
      options.maxEventSize,
      'maxEventSize',
      checkCount,
      DEFAULT_MAX_EVENT_SIZE,
      {
        min: 1,
        unbounded: true,
      }
    ),
  }
}

function checkUrl(value: unknown): URL {
  if (!(value instanceof URL) && typeof value !== 'string') {
    throw new TypeError(
      `The option "url" must be a string or a URL of the upstream event stream; got ${describe(value)}.`
    )
  }
  let url: URL
  try {
    // A copy: the caller may reuse and change their URL object while the request runs.
    url = new URL(value)
  } catch (cause) {
    throw new TypeError(`The option "url" is not an absolute URL; got ${describe(value)}.`, {
      cause,
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`The option "url" must be an http: or https: URL; got ${url.protocol}.`)
  }
  return url
}

function checkMethod(value: unknown): string {
  if (value === undefined) return 'GET'
  const method = checkToken(value, 'The option "method"')
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
    throw new TypeError(`The option "method" must not be ${method}: fetch refuses it.`)
  }
  return method
}

interface Body {
  readonly body: SseRequestBody | undefined
  readonly json: boolean
  readonly streamed: boolean
}

const NO_BODY: Body = { body: undefined, json: false, streamed: false }

function checkBody(value: unknown, method: string): Body {
  if (value === undefined || value === null) return NO_BODY
  const upper = method.toUpperCase()
  if (upper === 'GET' || upper === 'HEAD') {
    throw new TypeError(`The option "body" cannot be sent with ${upper}: use another "method".`)
  }
  if (
    typeof value === 'string' ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    value instanceof Blob ||
    value instanceof FormData ||
    value instanceof URLSearchParams
  ) {
    return { body: value as SseRequestBody, json: false, streamed: false }
  }
  if (
    value instanceof ReadableStream ||
    (typeof value === 'object' && Symbol.asyncIterator in value)
  ) {
    return { body: value as SseRequestBody, json: false, streamed: true }
  }
  if (typeof value !== 'object') {
    throw new TypeError(
      `The option "body" must be a string, bytes, Blob, FormData, URLSearchParams, a stream or a plain object; got ${describe(value)}.`
    )
  }
  let json: string | undefined
  try {
    json = stringify(value)
  } catch (cause) {
    throw new TypeError(
      `The option "body" cannot be JSON-encoded (${(cause as Error).message}). Pass an object without cycles or BigInt values, or a string.`,
      { cause }
    )
  }
  if (json === undefined) {
    throw new TypeError('The option "body" JSON-encodes to nothing.')
  }
  return { body: json, json: true, streamed: false }
}

function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof AbortSignal)) {
    throw new TypeError(
      `The option "signal" must be an AbortSignal, e.g. from an AbortController; got ${describe(value)}.`
    )
  }
  return value
}

function checkFetch(value: unknown): SseFetch {
  if (value === undefined) {
    if (typeof globalThis.fetch !== 'function') {
      throw new TypeError('This runtime has no global fetch: pass one in the option "fetch".')
    }
    // Looked up per request, so a fetch patched or mocked after import is the one used.
    return (input, init) => globalThis.fetch(input, init)
  }
  return checkFunction(value, option('fetch')) as SseFetch
}

/** Counts and sizes of a call that `Infinity` leaves unbounded. */
const UNBOUNDED: NumberRule = { unbounded: true }

/**
 * Checks an option with one of the shared rules, or gives its default when it is absent.
 *
 * @param value - The option's value.
 * @param name - The option's name.
 * @param check - The rule of its kind.
 * @param fallback - Its default.
 * @param rule - Bounds for a numeric rule.
 * @returns The value, or the default.
 */
function optional<T, D>(
  value: T | undefined,
  name: string,
  check: (value: T, field: string, rule?: NumberRule) => T,
  fallback: D,
  rule?: NumberRule
): T | D {
  return value === undefined ? fallback : check(value, option(name), rule)
}
