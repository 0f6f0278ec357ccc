import { createChannel, type Channel } from '@ssekit/core'

/**
 * The channel every ssekit contender broadcasts on: in memory, or through Redis when the
 * server runs as one of two instances. The Redis client is loaded only then, so that it
 * weighs on no other measurement.
 *
 * @param redis - The Redis URL, if any.
 * @returns The channel, its backplane connected.
 */
export async function benchChannel(redis: string | undefined): Promise<Channel> {
  if (redis === undefined) return createChannel('bench')
  const { createRedisBackplane } = await import('@ssekit/redis')
  const backplane = createRedisBackplane({ url: redis })
  await backplane.connected()
  return createChannel('bench', { backplane })
}
