import type { RedisClientOptions } from '@redis/client'
import {
  checkFunction,
  checkMilliseconds,
  checkObject,
  describe,
  option,
} from '@ssekit/core/adapter'

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

/**
 * Validates the options of `createRedisBackplane`.
 *
 * @param options - The caller's options.
 * @returns The same options, or an empty object.
 * @throws TypeError naming the first invalid option.
 */
export function checkOptions(options: unknown): RedisBackplaneOptions {
  if (options === undefined) return {}
  const { url, redis, prefix, publishTimeout, onError } = checkObject(
    options,
    'Redis backplane options'
  ) as RedisBackplaneOptions
  if (url !== undefined && typeof url !== 'string') {
    throw new TypeError(`The option "url" must be a string; got ${describe(url)}.`)
  }
  if (redis !== undefined) checkObject(redis, option('redis'))
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw new TypeError(`The option "prefix" must be a string; got ${describe(prefix)}.`)
  }
  if (publishTimeout !== undefined) {
    checkMilliseconds(publishTimeout, option('publishTimeout'), { min: 1 })
  }
  if (onError !== undefined) checkFunction(onError, option('onError'))
  return options as RedisBackplaneOptions
}
