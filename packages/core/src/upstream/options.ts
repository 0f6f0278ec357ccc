import type { UpstreamEvent } from '../event/upstream-event.js'
import type { SseDispatcher } from './dispatcher.js'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { SseLogger } from '../util/log.js'
import type { SseReconnectOptions } from './reconnect.js'

/** Request headers: a record, a `Headers` object, or `[name, value]` pairs. */
export type SseRequestHeaders = NonNullable<RequestInit['headers']>

/**
 * The `headers` option: fixed headers, or a function called before each connection attempt
 * (the first and every reconnection) that returns them, sync or async.
 */
export type SseHeadersOption =
  SseRequestHeaders | (() => SseRequestHeaders | PromiseLike<SseRequestHeaders>)

/** What `fetch` accepts as a body: a string, bytes, `Blob`, `FormData`, `URLSearchParams`, a stream. */
export type SseRequestBody = NonNullable<RequestInit['body']>

/**
 * A schema for the `data` of upstream events, in the Standard Schema form (`~standard`) that
 * Zod, Valibot, ArkType and others implement. Only its `validate` is called.
 */
export type SseEventSchema = StandardSchemaV1

/** The type of `data` that a {@link SseEventSchema} gives: its output type. */
export type SseSchemaOutput<Schema extends SseEventSchema> = StandardSchemaV1.InferOutput<Schema>

/**
 * What an event that fails `schema` does:
 *
 * - `'error'`: the call fails with {@link SseInvalidEventError}; the events before it were
 *   delivered.
 * - `'skip'`: the event is dropped (and logged with `debug`); the call goes on.
 */
export type SseInvalidEventPolicy = 'error' | 'skip'

/** A `fetch` implementation, for runtimes or tests that need their own. */
export type SseFetch = (input: string, init: RequestInit) => Promise<Response>

/** Which redirects an upstream request follows; see {@link SseRequestOptions.redirect}. */
export type SseRedirectMode = 'same-origin' | 'follow' | 'error'

/** What {@link SseRequestOptions.onOpen} learns about each connection that opened. */
export interface SseOpenInfo {
  /** The response status: 200, since only a 200 `text/event-stream` answer opens. */
  readonly status: number
  /** The response headers. */
  readonly headers: Headers
  /** 0 for the first connection, then how many reconnections the call has made. */
  readonly reconnects: number
  /** The `Last-Event-ID` this connection's request sent, if any. */
  readonly lastEventId: string | undefined
}

/** Options of {@link sseRequest}, {@link sseEvents} and {@link SseStream.request}. */
export interface SseRequestOptions {
  /** The upstream event stream, `http:` or `https:`. */
  url: string | URL
  /**
   * The HTTP method.
   * @defaultValue 'GET'
   */
  method?: string
  /**
   * Request headers, e.g. `{ Authorization: 'Bearer …' }`. `Accept: text/event-stream` is added
   * unless an `Accept` header is given.
   *
   * A function (sync or async) returning them is called before each connection attempt, the
   * first one and every reconnection, so a long relay sends a token that is still valid. What
   * it throws fails the call, as does an invalid header it returns (a TypeError naming it);
   * neither is retried. The headers it returns are redacted from debug logs like fixed ones.
   * The time it takes does not count towards `timeout`; `signal` stops the wait for it.
   */
  headers?: SseHeadersOption
  /**
   * The request body. A plain object or array is JSON-encoded; a string, bytes, `Blob`,
   * `FormData`, `URLSearchParams`, `ReadableStream` or async iterable of bytes is sent as is.
   */
  body?: SseRequestBody | object
  /**
   * The body's `Content-Type`; it replaces one given in `headers`.
   * @defaultValue 'application/json' for a JSON-encoded body; otherwise what `fetch` picks
   */
  bodyMediaType?: string
  /**
   * {@link SseStream.request} only: relay each event to the stream's client as it arrives,
   * with backpressure. The stream is started only once the upstream answered 200
   * `text/event-stream`.
   * @defaultValue false
   */
  forward?: boolean
  /**
   * Stops the request: the upstream connection closes at once and the call rejects (the
   * iterator throws) with the signal's reason, as `fetch` does.
   */
  signal?: AbortSignal
  /**
   * Milliseconds to wait for the response headers; `0` waits forever.
   * @defaultValue 30000
   */
  timeout?: number
  /**
   * Milliseconds allowed without a byte from the upstream while the body is read (comments
   * and heartbeats count); `0` waits forever. Time spent waiting for a slow downstream client
   * does not count.
   * @defaultValue 0
   */
  idleTimeout?: number
  /**
   * Milliseconds one event may take to arrive, from its first line to the blank line that
   * ends it (an unfinished line counts, a finished comment between events does not). It
   * bounds an upstream that trickles bytes, which `idleTimeout` cannot catch since any byte
   * resets it; passing it rejects with {@link SseTimeoutError} phase `'event'`, which is not
   * retried. Time spent waiting for a slow downstream client does not count. `0` turns it off.
   * @defaultValue 60000
   */
  eventTimeout?: number
  /**
   * Reconnect when the connection drops or fails: after the delay the upstream asked for with
   * `retry`, or else exponential backoff with jitter, the request is sent again with
   * `Last-Event-ID` set to the id of the last event that carried one, and
   * events go on as one stream. `true` takes the defaults of {@link SseReconnectOptions}.
   *
   * Never retried: an answer other than 200 `text/event-stream` (final, as in EventSource),
   * an oversized or overlong event, and errors thrown by `transform` or hooks. A 204 answer to
   * a reconnection ends the call normally. Requests that must not be repeated run without
   * reconnection: non-idempotent methods such as POST (unless `nonIdempotent: true`) and
   * streamed bodies, which cannot be sent twice. Cancelling (`signal`, the client leaving,
   * `break`) during a wait ends the call at once.
   *
   * Events are neither lost nor repeated across a reconnection when the upstream honours
   * `Last-Event-ID`; an event cut off by the drop is discarded, as the spec says.
   * @defaultValue false
   */
  reconnect?: boolean | SseReconnectOptions
  /**
   * Called each time a connection opens (the upstream answered 200 `text/event-stream`),
   * before its first event. An error it throws fails the call.
   *
   * @param info - The status, headers, and how many reconnections came before.
   */
  onOpen?: (info: SseOpenInfo) => void
  /**
   * `true` writes debug records of the request's life through `console.debug`, each line
   * prefixed `[ssekit]`; a function receives them instead. `NODE_DEBUG=ssekit` turns logging
   * on for every request. Credentials and bodies never appear.
   * @defaultValue false
   */
  debug?: boolean | SseLogger
  /**
   * The `fetch` used to reach the upstream, e.g. undici's own, or one that signs requests.
   * It receives `dispatcher` in its init only when the option `dispatcher` is given.
   * @defaultValue globalThis.fetch
   */
  fetch?: SseFetch
  /**
   * The undici dispatcher the request goes through on Node (a `ProxyAgent`, an `Agent` with
   * client certificates or its own pool), passed to `fetch` as `dispatcher`. Without it, the
   * global `fetch` uses the process-wide dispatcher (`setGlobalDispatcher`). Either way
   * undici's `headersTimeout` and `bodyTimeout` (300 s by default) are turned off for the
   * request: `timeout`, `idleTimeout` and `eventTimeout` are the only clocks, so a quiet
   * stream is not cut behind your back.
   * @defaultValue the process-wide dispatcher
   */
  dispatcher?: SseDispatcher
  /**
   * Which redirects (301, 302, 303, 307, 308) are followed, at most 20 in a row:
   *
   * - `'same-origin'`: those to the same origin (scheme, host and port); one to another
   *   origin fails the call with an {@link SseUpstreamError} of type `'redirect'`.
   * - `'follow'`: those to another origin too, without the headers that carry credentials
   *   (`Authorization`, `Cookie`, API keys, tokens: every header the debug log redacts).
   * - `'error'`: none; any redirect fails the call.
   *
   * A redirect from https to http is always refused. 303, and 301/302 after a POST, become a
   * GET without the body; 307 and 308 send the body again, which a streamed body cannot be.
   * Reconnections start again from `url`. The `fetch` in use is called with
   * `redirect: 'manual'` and must return the 3xx response itself.
   * @defaultValue 'same-origin'
   */
  redirect?: SseRedirectMode
  /**
   * With `redirect: 'follow'`, also send the headers that carry credentials to the other
   * origin. Only for an upstream known to hand its requests to a host you trust with them:
   * anyone who controls a redirect of the upstream receives the keys.
   * @defaultValue false
   */
  unsafeForwardCredentialsOnRedirect?: boolean
  /**
   * Maps each upstream event before it is collected, forwarded or yielded; return `null` to
   * drop it. Use it to rename, filter or redact events in flight.
   */
  transform?: (event: UpstreamEvent) => UpstreamEvent | null
  /**
   * A Standard Schema (Zod, Valibot, ArkType…) for each event's `data`: the data is parsed as
   * JSON and validated, after `transform` (return `null` there to drop a sentinel such as
   * `[DONE]`), and events carry the schema's output as `data`, typed from it. Forwarded events
   * send that output, JSON-encoded. Data that is not JSON or fails the schema is an
   * `SseInvalidEventError` (see `invalidEvents`), never retried. Without it, data is
   * never parsed.
   */
  schema?: SseEventSchema
  /**
   * With `schema`: `'error'` fails the call at the first invalid event, once the events before
   * it were delivered; `'skip'` drops each invalid event (logged with `debug`) and goes on.
   * @defaultValue 'error'
   */
  invalidEvents?: SseInvalidEventPolicy
  /**
   * Whether to collect the events into the result. Collection stops at `maxEvents` or
   * `maxCollectedBytes`, so memory stays bounded either way; turn it off for endless relays,
   * which would otherwise hold up to `maxCollectedBytes` until they end.
   * @defaultValue true
   */
  collect?: boolean
  /**
   * The most events collected into the result. Later events are still forwarded, and the
   * result says `truncated: true`.
   * @defaultValue 100000
   */
  maxEvents?: number
  /**
   * The most bytes of events collected into the result, counted as the UTF-8 bytes of each
   * event's `data`, `event` and `id`. Collection stops at the first event that would pass it:
   * later events are still forwarded (or yielded), the call goes on, and the result says
   * `truncated: true`. The default holds one event of the largest `maxEventSize`.
   * @defaultValue 16777216 (16 MiB)
   */
  maxCollectedBytes?: number
  /**
   * The largest event (or unterminated line) accepted from the upstream, in UTF-16 code units
   * (characters). A bigger one fails the call with an {@link SseUpstreamError} of type
   * `'event-too-large'`, so a broken upstream cannot exhaust memory.
   * @defaultValue 16777216 (16 Mi characters)
   */
  maxEventSize?: number
}

/**
 * What a finished upstream request produced.
 *
 * @typeParam Data - The events' `data`: text, or the output of the request's `schema`.
 */
export interface SseRequestResult<Data = string> {
  /**
   * The events received, in arrival order, until the upstream ended or the client left (at
   * most `maxEvents` events and `maxCollectedBytes` bytes; none with `collect: false`).
   */
  events: UpstreamEvent<Data>[]
  /** `true`: the downstream client left (or the stream was closed) before the upstream ended. */
  clientDisconnected: boolean
  /**
   * Present, and `true`, only when an event arrived that `maxEvents` or `maxCollectedBytes`
   * left no room for: `events` holds those that arrived before it.
   */
  truncated?: boolean
}

/** Default milliseconds to wait for the upstream's response headers. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

/** Default cap on the events collected by one request. */
export const DEFAULT_MAX_EVENTS = 100_000

/**
 * Default cap on the bytes of events collected by one request: 16 MiB, one event of the
 * largest default `maxEventSize` (16 Mi characters of ASCII).
 */
export const DEFAULT_MAX_COLLECTED_BYTES: number = 16 * 1024 * 1024

/** Default cap on one upstream event's size, in characters. */
export const DEFAULT_MAX_EVENT_SIZE: number = 16 * 1024 * 1024

/** Default milliseconds one upstream event may take to arrive. */
export const DEFAULT_EVENT_TIMEOUT_MS = 60_000
