import { describe, expect, it } from 'vitest'
import { pollUntil, redisCli } from '@ssekit/test-helpers/redis-cli'
import { backplaneInstances, type Instance } from '@ssekit/test-helpers/redis-instances'
import { useRedisSentinel } from '@ssekit/test-helpers/redis-sentinel'
import type { Connection } from '@ssekit/test-helpers/transports'

const sentinel = useRedisSentinel()

const { twoInstances } = backplaneInstances(() => ({
  sentinel: {
    name: sentinel().name,
    sentinelRootNodes: [{ host: '127.0.0.1', port: sentinel().sentinelPort }],
    // Reconnect quickly, so recovery fits a test's time.
    nodeClientOptions: { socket: { reconnectStrategy: () => 50 } },
    sentinelClientOptions: { socket: { reconnectStrategy: () => 50 } },
  },
}))

function dataOf(client: Connection): string[] {
  return client.reader.events.map((event) => event.data)
}

/** Broadcasts until Redis takes it: during a failover, broadcasts fail until a master is back. */
async function broadcastOnceServed(on: Instance, data: string): Promise<void> {
  await pollUntil(
    async () => (await on.channel.broadcast({ data })).published,
    30_000,
    `broadcast ${data} to be published`
  )
}

describe('servers managed by Sentinel', () => {
  it(
    'follows the master when it dies and its replica is promoted: broadcasts arrive, replay stays exact',
    { timeout: 90_000 },
    async () => {
      const [a, b] = await twoInstances()
      const { client: onA } = await a.connect()
      const { client: onB } = await b.connect()
      for (const data of ['0', '1', '2'])
        await (Number(data) % 2 ? a : b).channel.broadcast({ data })
      for (const client of [onA, onB]) {
        await client.reader.event(2)
        expect(dataOf(client)).toEqual(['0', '1', '2'])
      }
      const beforeFailover = onA.reader.events[2]!.id!
      const key = `test:${a.channel.name}`
      const old = await sentinel().master()
      expect(await redisCli(old, 'XLEN', key)).toBe('3\n')
      await sentinel().synced()

      const promoted = await sentinel().killMaster()
      expect(promoted).not.toBe(old)

      await broadcastOnceServed(b, '3')
      for (const data of ['4', '5']) {
        expect((await (Number(data) % 2 ? a : b).channel.broadcast({ data })).published).toBe(true)
      }
      for (const client of [onA, onB]) {
        await client.reader.event(5, 30_000)
        expect(dataOf(client)).toEqual(['0', '1', '2', '3', '4', '5'])
      }
      const { client: resumed } = await b.connect({ 'last-event-id': beforeFailover })
      await resumed.reader.event(2)
      expect(dataOf(resumed)).toEqual(['3', '4', '5'])
      expect(await redisCli(promoted, 'XLEN', key)).toBe('6\n')
      expect(a.errors.every((error) => error instanceof Error && error.message !== '')).toBe(true)
    }
  )
})
