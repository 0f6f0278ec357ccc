import {
  createChannel,
  type Channel,
  type ChannelOptions,
  type SseStream,
  type Subscription,
} from '@ssekit/core'
import { afterEach } from 'vitest'
import {
  createRedisBackplane,
  type RedisBackplane,
  type RedisBackplaneOptions,
} from '@ssekit/redis'
import { waitFor } from './listen.js'
import type { RedisServer } from './redis-server.js'
import { http1, type Connection, type Served } from './transports.js'

/** One app instance: its own Redis connections, channel object and HTTP server. */
export interface Instance {
  readonly channel: Channel
  readonly backplane: RedisBackplane
  /** What both the backplane's and the channel's `onError` received, in order. */
  readonly errors: unknown[]
  /** Opens a client and waits until its stream is subscribed and live. */
  connect: (
    headers?: Record<string, string>
  ) => Promise<{ client: Connection; stream: SseStream; subscription: Subscription }>
}

/** Starts app instances on one Redis server; everything they open is closed after each test. */
export interface Instances {
  /** Closers of what a test opened, run in reverse after it. */
  readonly cleanups: (() => Promise<void>)[]
  /** A channel name no other test uses. */
  newName: () => string
  /** A backplane with its own connections, connected, and the errors it reported. */
  newBackplane: (
    options?: RedisBackplaneOptions
  ) => Promise<{ backplane: RedisBackplane; errors: unknown[] }>
  instance: (
    name: string,
    options?: RedisBackplaneOptions,
    channelOptions?: ChannelOptions
  ) => Promise<Instance>
  /** Two instances of one app sharing a new channel through Redis. */
  twoInstances: (
    options?: RedisBackplaneOptions,
    channelOptions?: ChannelOptions
  ) => Promise<[Instance, Instance]>
}

/**
 * Sets up app instances for a test file on one Redis server; call at its top level.
 *
 * @param redis - The server, once started.
 */
export function redisInstances(redis: () => RedisServer): Instances {
  return backplaneInstances(() => ({
    url: redis().url,
    // Reconnect quickly, so recovery fits a test's time.
    redis: { socket: { reconnectStrategy: () => 50 } },
  }))
}

/**
 * Sets up app instances for a test file on any Redis deployment; call at its top level.
 *
 * @param where - The backplane options that say where Redis is, once it is started.
 */
export function backplaneInstances(where: () => RedisBackplaneOptions): Instances {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  let channelCount = 0
  const newName = (): string => `channel-${++channelCount}`

  async function newBackplane(
    options: RedisBackplaneOptions = {}
  ): Promise<{ backplane: RedisBackplane; errors: unknown[] }> {
    const errors: unknown[] = []
    const created = createRedisBackplane({
      ...where(),
      prefix: 'test:',
      onError: (error) => errors.push(error),
      ...options,
    })
    cleanups.push(() => created.close())
    await created.connected()
    return { backplane: created, errors }
  }

  async function instance(
    name: string,
    options: RedisBackplaneOptions = {},
    channelOptions: ChannelOptions = {}
  ): Promise<Instance> {
    const { backplane: shared, errors } = await newBackplane(options)
    const channel = createChannel(name, {
      backplane: shared,
      onError: (error) => errors.push(error),
      ...channelOptions,
    })
    const arrived: SseStream[] = []
    const served: Served = await http1.serve((stream) => {
      stream.init()
      arrived.push(stream)
    })
    cleanups.push(() => served.close())
    return {
      channel,
      backplane: shared,
      errors,
      async connect(headers = {}) {
        const opening = served.open(headers)
        const stream = await waitFor(() => arrived.shift(), 5000, 'a server-side stream')
        const subscription = channel.subscribe(stream)
        await subscription.ready
        return { client: await opening, stream, subscription }
      },
    }
  }

  return {
    cleanups,
    newName,
    newBackplane,
    instance,
    async twoInstances(options, channelOptions) {
      const name = newName()
      return [
        await instance(name, options, channelOptions),
        await instance(name, options, channelOptions),
      ]
    },
  }
}
