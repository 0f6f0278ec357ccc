import { createCluster } from '@redis/client'
import { relayLogChannel, type BackplaneRecord } from '@ssekit/core/backplane'
import { describe, expect, it } from 'vitest'
import { redisCli, pollUntil } from '@ssekit/test-helpers/redis-cli'
import { useRedisCluster } from '@ssekit/test-helpers/redis-cluster'
import { backplaneInstances, type Instance } from '@ssekit/test-helpers/redis-instances'
import type { Connection } from '@ssekit/test-helpers/transports'

const cluster = useRedisCluster()

const { newName, newBackplane, instance, twoInstances } = backplaneInstances(() => ({
  cluster: {
    rootNodes: cluster()
      .ports.slice(0, 2)
      .map((port) => ({ url: `redis://127.0.0.1:${port}` })),
    // Reconnect quickly, and ask for the new topology soon after a node stops answering.
    defaults: { socket: { reconnectStrategy: () => 50 } },
    topologyRefreshOnReconnectionAttemptStrategy: 100,
  },
}))

function dataOf(client: Connection): string[] {
  return client.reader.events.map((event) => event.data)
}

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => String(from + i))
}

/** Broadcasts until Redis takes it: during a failover, broadcasts fail until a master is back. */
async function broadcastOnceServed(on: Instance, data: string): Promise<void> {
  await pollUntil(
    async () => (await on.channel.broadcast({ data })).published,
    30_000,
    `broadcast ${data} to be published`
  )
}

describe('channels on a Redis Cluster', () => {
  it('keeps a channel on one shard and fans out by sharded pub/sub to every instance', async () => {
    const [a, b] = await twoInstances()
    const { client: onA } = await a.connect()
    const { client: onB } = await b.connect()
    const first = await a.channel.broadcast({ event: 'from-a', data: 'one' })
    const second = await b.channel.broadcast({ data: 'two' })
    expect(first.published && second.published).toBe(true)
    for (const client of [onA, onB]) {
      await client.reader.event(1)
      expect(client.reader.events).toEqual([
        { event: 'from-a', id: first.id, data: 'one' },
        { id: second.id, data: 'two' },
      ])
    }
    // The stream and its subscribers live on the master of the channel's hash tag.
    const key = `test:{${a.channel.name}}`
    const master = await cluster().masterOf(key)
    expect(await redisCli(master, 'XLEN', key)).toBe('2\n')
    expect(await redisCli(master, 'PUBSUB', 'SHARDNUMSUB', key)).toBe(`${key}\n2\n`)
    expect(a.errors).toEqual([])
  })

  it('gives a client that moves to another instance exactly what it missed, or resync', async () => {
    const [a, b] = await twoInstances(undefined, { history: { maxEvents: 4 } })
    const { client } = await a.connect()
    for (const data of range(0, 3)) await b.channel.broadcast({ data })
    const seen = await client.reader.event(1)
    await client.disconnect()
    await a.channel.broadcast({ data: '3' })
    const { client: moved } = await b.connect({ 'last-event-id': seen.id! })
    await moved.reader.event(1)
    expect(dataOf(moved)).toEqual(['2', '3'])
    for (const data of range(4, 8)) await a.channel.broadcast({ data })
    const { client: late } = await a.connect({ 'last-event-id': seen.id! })
    expect(await late.reader.event(0)).toMatchObject({ event: 'resync', data: 'not-in-history' })
  })

  it('keeps a channel whose name starts with a brace on one shard', async () => {
    const name = `}${newName()}{`
    const a = await instance(name)
    const b = await instance(name)
    const { client } = await b.connect()
    expect((await a.channel.broadcast({ data: 'x', id: 'own-1' })).published).toBe(true)
    expect(await client.reader.event(0)).toMatchObject({ data: 'x' })
    const { client: resumed } = await b.connect({ 'last-event-id': 'own-1' })
    await a.channel.broadcast({ data: 'y' })
    expect(await resumed.reader.event(0)).toMatchObject({ data: 'y' })
  })

  it('shares relays between instances, their log in the slot of their record', async () => {
    const { backplane: a } = await newBackplane()
    const { backplane: b } = await newBackplane()
    const id = newName()
    const running = { status: 'running', events: 0, leaseUntil: 1 } as const
    expect(await a.createRelay(id, running, 60_000)).toBe(true)
    expect(await b.createRelay(id, running, 60_000)).toBe(false)
    const record: BackplaneRecord = {
      body: 'data: x\n\n',
      autoId: true,
      id: undefined,
      event: undefined,
      meta: undefined,
    }
    const limits = { maxEvents: 10, maxBytes: Infinity, maxAge: Infinity }
    const seq = await a.publish(relayLogChannel(id), record, limits)
    // The log took the record's lifetime: both keys were touched by one script.
    const key = `test:{${relayLogChannel(id)}}`
    // The key holds a NUL byte, which no command line can carry: ask through a cluster client.
    const inspector = createCluster({
      rootNodes: [{ url: `redis://127.0.0.1:${cluster().ports[0]!}` }],
    })
    await inspector.connect()
    const ttl = await inspector.pTTL(key).finally(() => inspector.close())
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(60_000)
    const ended = { status: 'done', events: 1, leaseUntil: 2 } as const
    expect(await b.updateRelay(id, ended, 60_000)).toBe(true)
    expect(await a.readRelay(id)).toEqual(ended)
    const next = await a.publish(relayLogChannel(id), record, limits)
    const replay = await b.replay(relayLogChannel(id), seq, limits)
    expect(replay.messages.map((message) => message.seq)).toEqual([next])
  })
})

describe('lost pub/sub connections in a cluster', () => {
  it('recover from the stream what sharded pub/sub missed meanwhile, with no resync', async () => {
    const [a, b] = await twoInstances()
    const { client } = await a.connect()
    await b.channel.broadcast({ data: 'before' })
    await client.reader.event(0)
    // Drops every instance's pub/sub connections; the nodes and their streams stay.
    for (const port of cluster().ports) await redisCli(port, 'CLIENT', 'KILL', 'TYPE', 'pubsub')
    for (const data of ['missed-1', 'missed-2', 'missed-3']) {
      expect((await b.channel.broadcast({ data })).published).toBe(true)
    }
    await b.channel.broadcast({ data: 'after' })
    await client.reader.event(4, 15_000)
    expect(dataOf(client)).toEqual(['before', 'missed-1', 'missed-2', 'missed-3', 'after'])
  })
})

describe('a master of the cluster fails', () => {
  it(
    'promotes its replica; broadcasts after it arrive, replay stays exact',
    { timeout: 90_000 },
    async () => {
      const [a, b] = await twoInstances()
      const { client: onA } = await a.connect()
      const { client: onB } = await b.connect()
      for (const data of range(0, 3)) await (Number(data) % 2 ? a : b).channel.broadcast({ data })
      const beforeFailure = (await onB.reader.event(2)).id!
      await onA.reader.event(2)
      const key = `test:{${a.channel.name}}`
      const master = await cluster().masterOf(key)
      await cluster().synced(master)

      await cluster().kill(master)
      const promoted = await cluster().failedOver(master, key)
      expect(promoted).not.toBe(master)

      await broadcastOnceServed(a, '3')
      for (const data of range(4, 6)) {
        expect((await (Number(data) % 2 ? a : b).channel.broadcast({ data })).published).toBe(true)
      }
      // Every client receives each broadcast once, in order; the history survived (replicated
      // before the failure), so nobody is told to resync.
      for (const client of [onA, onB]) {
        await client.reader.event(5, 30_000)
        expect(dataOf(client)).toEqual(range(0, 6))
      }
      const { client: resumed } = await a.connect({ 'last-event-id': beforeFailure })
      await resumed.reader.event(2)
      expect(dataOf(resumed)).toEqual(['3', '4', '5'])
      expect(await redisCli(promoted, 'XLEN', key)).toBe('6\n')
    }
  )
})
