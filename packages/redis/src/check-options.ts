import type { RedisClientOptions } from '@redis/client'

/** Options of {@link createRedisBackplane}. */
export interface RedisBackplaneOptions {
  /** The Redis server, e.g. `redis://localhost:6379`; overrides `redis.url`. */
  url?: string
  /**
   * Options for node-redis's `createClient` (socket, TLS, credentials, database,
   * `socket.reconnectStrategy`…), used for both of the backplane's connections.
   */
  redis?: RedisClientOptions
  /**
   * Prefix of the Redis keys (one stream per channel) and pub/sub channels the backplane uses.
   * @defaultValue 'ssekit:'
   */
  prefix?: string
  /**
   * Milliseconds a broadcast (or a replay read, or a read or write of a relay's state) may wait
   * for Redis, mostly while Redis is unreachable: broadcasts made during an outage are sent
   * when the connection comes back, in order, unless this passes first; then the broadcast
   * resolves `{ published: false }` and is never sent.
   * @defaultValue 10000
   */
  publishTimeout?: number
  /**
   * Receives connection errors, once per outage rather than once per reconnection attempt
   * (and nothing else until a connection is up again), each with a message.
   * @defaultValue console.error
   */
  onError?: (error: unknown) => void
}

/** Node's largest timer delay. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Validates the options of `createRedisBackplane`.
 *
 * @param options - The caller's options.
 * @returns The same options, or an empty object.
 * @throws TypeError naming the first invalid option.
 */
export function checkOptions(options: unknown): RedisBackplaneOptions {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Redis backplane options must be an object; got ${typeName(options)}.`)
  }
  const { url, redis, prefix, publishTimeout, onError } = options as RedisBackplaneOptions
  if (url !== undefined && typeof url !== 'string') {
    throw new TypeError(`The option "url" must be a string; got ${typeName(url)}.`)
  }
  if (redis !== undefined && (typeof redis !== 'object' || (redis as unknown) === null)) {
    throw new TypeError(`The option "redis" must be an object; got ${typeName(redis)}.`)
  }
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw new TypeError(`The option "prefix" must be a string; got ${typeName(prefix)}.`)
  }
  if (
    publishTimeout !== undefined &&
    (typeof publishTimeout !== 'number' ||
      !Number.isSafeInteger(publishTimeout) ||
      publishTimeout < 1 ||
      publishTimeout > MAX_TIMER_MS)
  ) {
    throw new TypeError(
      `The option "publishTimeout" must be a positive integer of milliseconds up to ${MAX_TIMER_MS}; got ${typeName(publishTimeout)}.`
    )
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError(`The option "onError" must be a function; got ${typeName(onError)}.`)
  }
  return options
}

/**
 * Says what a caller passed, for a TypeError's message.
 *
 * @param value - The invalid value.
 * @returns Its type, with the value itself when short.
 */
export function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`
  return Array.isArray(value) ? 'an array' : typeof value
}
