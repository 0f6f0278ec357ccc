import { createChannel, type Channel } from '@ssekit/core'
import { createRedisBackplane } from '@ssekit/redis'

/**
 * The channel every ssekit contender broadcasts on: in memory, or through Redis when the
 * server runs as one of two instances.
 *
 * @param redis - The Redis URL, if any.
 * @returns The channel, its backplane connected.
 */
export async function benchChannel(redis: string | undefined): Promise<Channel> {
  if (redis === undefined) return createChannel('bench')
  const backplane = createRedisBackplane({ url: redis })
  await backplane.connected()
  return createChannel('bench', { backplane })
}
