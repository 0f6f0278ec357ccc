import type { RedisClientOptions, RedisClusterOptions, RedisSentinelOptions } from '@redis/client'
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
   * A Redis Cluster instead of one server: node-redis's `createCluster` options, with
   * `rootNodes` (a few nodes to discover the cluster from, e.g. `[{ url: 'redis://10.0.0.1:7000' }]`)
   * and `defaults` (credentials, TLS, `socket.reconnectStrategy`… for every node). Each
   * channel's keys carry its name as a hash tag, so they live on one shard, and broadcasts
   * travel by sharded pub/sub. Needs Redis 7. Not with `url`, `redis` or `sentinel`.
   */
  cluster?: RedisClusterOptions
  /**
   * Servers managed by Redis Sentinel instead of one server: node-redis's `createSentinel`
   * options, with `name` (the master's name in Sentinel), `sentinelRootNodes` (a few sentinels,
   * `{ host, port }`) and `nodeClientOptions` (credentials, TLS… for the servers). The
   * backplane follows the master through failovers. Not with `url`, `redis` or `cluster`.
   */
  sentinel?: RedisSentinelOptions
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
  const { url, redis, cluster, sentinel, prefix, publishTimeout, onError } = checkObject(
    options,
    'Redis backplane options'
  ) as RedisBackplaneOptions
  if (url !== undefined && typeof url !== 'string') {
    throw new TypeError(`The option "url" must be a string; got ${describe(url)}.`)
  }
  if (redis !== undefined) checkObject(redis, option('redis'))
  if (cluster !== undefined) checkCluster(cluster)
  if (sentinel !== undefined) checkSentinel(sentinel)
  const given = Object.entries({ url, redis, cluster, sentinel })
    .filter(([, value]) => value !== undefined)
    .map(([name]) => name)
  if ((cluster !== undefined || sentinel !== undefined) && given.length > 1) {
    throw new TypeError(
      `The options "${given[0]}" and "${given[1]}" cannot be combined: give one Redis deployment.`
    )
  }
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw new TypeError(`The option "prefix" must be a string; got ${describe(prefix)}.`)
  }
  if (cluster !== undefined && prefix !== undefined && /[{}]/.test(prefix)) {
    throw new TypeError(
      `The option "prefix" must not contain braces with a cluster (the backplane places the hash tags); got ${describe(prefix)}.`
    )
  }
  if (publishTimeout !== undefined) {
    checkMilliseconds(publishTimeout, option('publishTimeout'), { min: 1 })
  }
  if (onError !== undefined) checkFunction(onError, option('onError'))
  return options as RedisBackplaneOptions
}

function checkCluster(cluster: unknown): void {
  const { rootNodes } = checkObject(cluster, option('cluster')) as Partial<RedisClusterOptions>
  if (!Array.isArray(rootNodes) || rootNodes.length === 0) {
    throw new TypeError(
      `The option "cluster.rootNodes" must be a non-empty array of node options; got ${kind(rootNodes)}.`
    )
  }
  rootNodes.forEach((node, i) => checkObject(node, option(`cluster.rootNodes[${i}]`)))
}

function checkSentinel(sentinel: unknown): void {
  const { name, sentinelRootNodes } = checkObject(
    sentinel,
    option('sentinel')
  ) as Partial<RedisSentinelOptions>
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(
      `The option "sentinel.name" must be a non-empty string; got ${describe(name)}.`
    )
  }
  if (!Array.isArray(sentinelRootNodes) || sentinelRootNodes.length === 0) {
    throw new TypeError(
      `The option "sentinel.sentinelRootNodes" must be a non-empty array of { host, port }; got ${kind(sentinelRootNodes)}.`
    )
  }
  sentinelRootNodes.forEach((node, i) =>
    checkObject(node, option(`sentinel.sentinelRootNodes[${i}]`))
  )
}

/** Says what a value is without showing it: a mistaken node list may be a URL with a password. */
function kind(value: unknown): string {
  return Array.isArray(value) ? 'an empty array' : typeof value
}
