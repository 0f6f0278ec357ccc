import { describe } from '../util/index.js'
import type { SseStream } from '../stream/stream.js'

/**
 * Limits on the streams one `sse()` middleware keeps open in this process. `Request` is what
 * the framework's handlers receive: Express's `req`, Koa's `ctx`, Hono's `c`.
 */
export interface AdmissionOptions<Request> {
  /**
   * Open streams this middleware allows; one more is refused with `503` and `Retry-After`.
   * @defaultValue no limit
   */
  maxStreams?: number
  /**
   * Open streams allowed per `clientKey`; one more is refused with `429` and `Retry-After`.
   * @defaultValue no limit
   */
  maxStreamsPerClient?: number
  /**
   * Tells which client a request comes from, for `maxStreamsPerClient`. Behind a proxy the
   * peer address is the proxy's: return the address your framework trusts from
   * `X-Forwarded-For`, or a user id.
   * @defaultValue the peer address of the connection
   */
  clientKey?: (request: Request) => string
}

/** How a refused stream is answered. */
export interface Refusal {
  /** `503` when `maxStreams` is reached, `429` when `maxStreamsPerClient` is. */
  readonly status: 429 | 503
  /** `Retry-After`, in seconds. */
  readonly headers: Readonly<Record<string, string>>
}

/** Seconds a refused client is asked to wait before it tries again. */
const RETRY_AFTER_SECONDS = '5'

const FULL: Refusal = Object.freeze({
  status: 503,
  headers: Object.freeze({ 'Retry-After': RETRY_AFTER_SECONDS }),
})
const CLIENT_FULL: Refusal = Object.freeze({
  status: 429,
  headers: Object.freeze({ 'Retry-After': RETRY_AFTER_SECONDS }),
})

/** What the peer address becomes when the runtime does not tell it. */
const UNKNOWN_PEER = 'unknown'

/**
 * Counts a middleware's open streams against its limits. Slots are taken by {@link
 * StreamAdmission.admit} before a stream exists and given back by {@link
 * StreamAdmission.release} the moment it ends.
 */
export class StreamAdmission {
  readonly #maxStreams: number
  readonly #maxPerClient: number
  readonly #clientKey: ((request: unknown) => string) | undefined
  #open = 0
  /** Open streams per client key; only kept when `maxStreamsPerClient` is set. */
  readonly #perClient = new Map<string, number>()
  /** The key of each admitted stream, to give its slot back. */
  readonly #keys = new WeakMap<object, string>()

  constructor(maxStreams: number, maxPerClient: number, clientKey: unknown) {
    this.#maxStreams = maxStreams
    this.#maxPerClient = maxPerClient
    this.#clientKey = clientKey as ((request: unknown) => string) | undefined
  }

  /** Open streams that hold a slot. */
  get open(): number {
    return this.#open
  }

  /**
   * Takes a slot for a stream about to be created.
   *
   * @param request - What `clientKey` receives.
   * @param peer - Reads the connection's peer address, when the runtime knows it.
   * @returns The client's key to give {@link StreamAdmission.admitted}, or the refusal.
   * @throws TypeError when `clientKey` returns something other than a string.
   */
  admit(request: unknown, peer: () => string | undefined): string | Refusal {
    if (this.#open >= this.#maxStreams) return FULL
    let key = ''
    if (this.#maxPerClient !== Infinity) {
      key = this.#keyOf(request, peer)
      const count = this.#perClient.get(key) ?? 0
      if (count >= this.#maxPerClient) return CLIENT_FULL
      this.#perClient.set(key, count + 1)
    }
    this.#open++
    return key
  }

  /**
   * Ties the slot {@link StreamAdmission.admit} took to the stream created for it.
   *
   * @param stream - The new stream.
   * @param key - What `admit` returned.
   */
  admitted(stream: SseStream, key: string): void {
    this.#keys.set(stream, key)
  }

  /**
   * Gives back the slot of a stream that ended; nothing for a stream that held none.
   *
   * @param stream - The stream.
   */
  release(stream: object): void {
    const key = this.#keys.get(stream)
    if (key === undefined) return
    this.#keys.delete(stream)
    this.#open--
    if (this.#maxPerClient === Infinity) return
    const count = (this.#perClient.get(key) ?? 1) - 1
    if (count === 0) this.#perClient.delete(key)
    else this.#perClient.set(key, count)
  }

  #keyOf(request: unknown, peer: () => string | undefined): string {
    if (this.#clientKey === undefined) return peer() ?? UNKNOWN_PEER
    const key = this.#clientKey(request)
    if (typeof key !== 'string') {
      throw new TypeError(`The option "clientKey" must return a string; got ${describe(key)}.`)
    }
    return key
  }
}

/**
 * Validates the admission limits of a middleware's options.
 *
 * @param options - The middleware's options; other fields are ignored.
 * @returns The admission, or `undefined` when no limit is set.
 * @throws TypeError naming the first invalid option.
 */
export function resolveAdmission(
  options: AdmissionOptions<never> | undefined
): StreamAdmission | undefined {
  if (options === undefined) return undefined
  const { maxStreams, maxStreamsPerClient, clientKey } = options
  if (clientKey !== undefined && typeof clientKey !== 'function') {
    throw new TypeError(
      `The option "clientKey" must be a function (request) => string; got ${describe(clientKey)}.`
    )
  }
  const max = checkLimit(maxStreams, 'maxStreams')
  const perClient = checkLimit(maxStreamsPerClient, 'maxStreamsPerClient')
  if (max === Infinity && perClient === Infinity) return undefined
  return new StreamAdmission(max, perClient, clientKey)
}

function checkLimit(value: unknown, name: string): number {
  if (value === undefined) return Infinity
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(
      `The option "${name}" must be a non-negative integer (streams); got ${describe(value)}.`
    )
  }
  return value
}
