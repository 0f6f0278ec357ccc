import { createClient } from '@redis/client'
import { describe, expect, it } from 'vitest'
import { sleep, waitFor } from '@ssekit/test-helpers/listen'
import { redisInstances } from '@ssekit/test-helpers/redis-instances'
import { useRedisServer } from '@ssekit/test-helpers/redis-server'
import { http1, type Connection, type Served } from '@ssekit/test-helpers/transports'
import { createRedisBackplane } from './redis-backplane.js'

const redis = useRedisServer()

const { cleanups, newName, instance, twoInstances } = redisInstances(redis)

function dataOf(client: Connection): string[] {
  return client.reader.events.map((event) => event.data)
}

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => String(from + i))
}

describe('channels across instances through Redis', () => {
  it('delivers broadcasts made on either instance to clients of both, in one order', async () => {
    const [a, b] = await twoInstances()
    const { client: onA } = await a.connect()
    const { client: onB } = await b.connect()
    let serializations = 0
    const data = {
      toJSON: () => {
        serializations++
        return { n: 1 }
      },
    }
    const first = await b.channel.broadcast({ event: 'from-b', data })
    const second = await a.channel.broadcast({ event: 'from-a', data: 'two' })
    expect(first.published && second.published).toBe(true)
    for (const client of [onA, onB]) {
      await client.reader.event(1)
      expect(client.reader.events).toEqual([
        { event: 'from-b', id: first.id, data: '{"n":1}' },
        { event: 'from-a', id: second.id, data: 'two' },
      ])
    }
    // Serialized once, on the instance that broadcast it.
    expect(serializations).toBe(1)
    // The channel's tag, then the Redis Stream id: the same on every instance, increasing.
    expect(first.id).toMatch(/^[0-9a-z]{7}-\d+-\d+$/)
    expect(a.errors).toEqual([])
  })

  it('gives a client that moves from A to B exactly the events it missed', async () => {
    const [a, b] = await twoInstances()
    const { client } = await a.connect()
    for (const data of range(0, 3)) await b.channel.broadcast({ data })
    const seen = await client.reader.event(2)
    await client.disconnect()
    for (const data of range(3, 6)) await (Number(data) % 2 ? a : b).channel.broadcast({ data })
    const { client: moved } = await b.connect({ 'last-event-id': seen.id! })
    await a.channel.broadcast({ data: '6' })
    await moved.reader.event(3)
    expect(dataOf(moved)).toEqual(range(3, 7))
  })

  it('replays without gap or duplicate while both instances keep broadcasting', async () => {
    const [a, b] = await twoInstances(undefined, { history: { maxEvents: 100_000 } })
    let { client } = await a.connect()
    let sent = 0
    const producing = { on: true }
    const producer = (async () => {
      while (producing.on) {
        await (sent % 2 ? a : b).channel.broadcast({ data: String(sent++) })
      }
    })()
    const received: string[] = []
    for (let round = 0; round < 16; round++) {
      await client.reader.event(client.reader.events.length + 10)
      await client.disconnect()
      received.push(...dataOf(client))
      const lastId = client.reader.events.at(-1)!.id!
      ;({ client } = await (round % 2 ? a : b).connect({ 'last-event-id': lastId }))
    }
    producing.on = false
    await producer
    const final = client
    await waitFor(() => dataOf(final).at(-1) === String(sent - 1), 5000, 'the last broadcast')
    received.push(...dataOf(final))
    expect(received).toEqual(range(Number(received[0]), sent))
  })

  it('sends the resync event when the Redis history no longer reaches the client’s id', async () => {
    const [a, b] = await twoInstances(undefined, { history: { maxEvents: 3 } })
    const { client } = await a.connect()
    for (const data of range(0, 6)) await a.channel.broadcast({ data })
    const old = await client.reader.event(0)
    const newest = (await client.reader.event(5)).id
    const { client: late } = await b.connect({ 'last-event-id': old.id! })
    expect(await late.reader.event(0)).toEqual({
      event: 'resync',
      id: newest,
      data: 'not-in-history',
    })
    const { client: recent } = await b.connect({ 'last-event-id': client.reader.events[3]!.id! })
    await recent.reader.event(1)
    expect(dataOf(recent)).toEqual(['4', '5'])
  })

  it('applies subscriber filters to broadcasts and replays from another instance', async () => {
    const name = newName()
    const a = await instance(name)
    const b = await instance(name)
    const { id } = await b.channel.broadcast({ data: 'x' }, { meta: { room: 'red' } })
    await b.channel.broadcast({ data: 'blue-1' }, { meta: { room: 'blue' } })
    const served: Served = await http1.serve((stream) => {
      a.channel.subscribe(stream, {
        filter: (message) => (message.meta as { room: string }).room === 'blue',
      })
    })
    cleanups.push(() => served.close())
    const client = await served.open({ 'last-event-id': id! })
    await client.reader.event(0)
    await b.channel.broadcast({ data: 'red-2' }, { meta: { room: 'red' } })
    await b.channel.broadcast({ data: 'blue-2' }, { meta: { room: 'blue' } })
    await client.reader.event(1)
    expect(dataOf(client)).toEqual(['blue-1', 'blue-2'])
  })

  it('rejects meta that cannot travel as JSON, publishing nothing', async () => {
    const [a] = await twoInstances()
    await expect(a.channel.broadcast({ data: 'x' }, { meta: { n: 1n } })).rejects.toThrow(
      /meta.*JSON/
    )
  })

  it('unsubscribes when the last local subscriber leaves, and close() lets go of Redis', async () => {
    const [a] = await twoInstances()
    const inspector = createClient({ url: redis().url })
    await inspector.connect()
    cleanups.push(() => inspector.close())
    const subscribers = async (): Promise<number> => {
      const counts = await inspector.pubSubNumSub(`test:${a.channel.name}`)
      return Number(Object.values(counts)[0])
    }
    const { client } = await a.connect()
    const { stream } = await a.connect()
    expect(await subscribers()).toBe(1)
    await client.disconnect()
    stream.close()
    for (let tries = 0; (await subscribers()) > 0; tries++) {
      if (tries > 100) throw new Error('the instance is still subscribed in Redis')
      await sleep(20)
    }
    expect(a.channel.size).toBe(0)
    const connections = async (): Promise<number> => (await inspector.clientList()).length
    const before = await connections()
    await a.backplane.close()
    for (let tries = 0; (await connections()) > before - 2; tries++) {
      if (tries > 100) throw new Error('the backplane still holds connections to Redis')
      await sleep(20)
    }
  })
})

describe('a lost pub/sub connection', () => {
  it('recovers from the stream what pub/sub missed meanwhile, with no resync', async () => {
    const [a, b] = await twoInstances()
    const { client } = await a.connect()
    await b.channel.broadcast({ data: 'before' })
    await client.reader.event(0)
    const admin = createClient({ url: redis().url })
    await admin.connect()
    cleanups.push(() => admin.close())
    // Drops every instance's pub/sub connection; Redis and its streams stay.
    await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])
    for (const data of ['missed-1', 'missed-2', 'missed-3']) {
      expect((await b.channel.broadcast({ data })).published).toBe(true)
    }
    await b.channel.broadcast({ data: 'after' })
    await client.reader.event(4, 10_000)
    expect(dataOf(client)).toEqual(['before', 'missed-1', 'missed-2', 'missed-3', 'after'])
    expect(a.errors).toHaveLength(1)
  })
})

describe('a Redis outage', () => {
  it('reconnects by itself, delivers broadcasts held during it, and tells clients to resync', async () => {
    const [a, b] = await twoInstances()
    // A third instance that gives up on Redis quickly.
    const impatient = await instance(a.channel.name, { publishTimeout: 300 })
    const { client: onA } = await a.connect()
    const { client: onB } = await b.connect()
    const before = await b.channel.broadcast({ data: 'before' })
    await onA.reader.event(0)

    await redis().kill()
    await waitFor(() => a.errors.length > 0 && b.errors.length > 0, 10_000, 'the outage')
    await waitFor(() => impatient.errors.length > 0, 10_000, 'the outage')
    // Held: sent when Redis is back, within the default 10 s publishTimeout.
    const held = b.channel.broadcast({ data: 'held' })
    // Dropped: publishTimeout passes while Redis is down.
    expect(await impatient.channel.broadcast({ data: 'dropped' })).toEqual({
      published: false,
      id: undefined,
    })
    await redis().restart()

    expect((await held).published).toBe(true)
    const after = await a.channel.broadcast({ data: 'after' })
    expect(after.published).toBe(true)
    for (const client of [onA, onB]) {
      const events = client.reader.events
      await waitFor(() => events.some((event) => event.data === 'after'), 10_000, "'after'")
      expect(events.map((event) => event.data)).toEqual(['before', 'backplane', 'held', 'after'])
      expect(events[1]).toMatchObject({ event: 'resync' })
    }
    // The restarted Redis holds no history from before: a client resuming from then resyncs.
    const { client: resumed } = await b.connect({ 'last-event-id': before.id! })
    expect(await resumed.reader.event(0)).toMatchObject({ event: 'resync', data: 'not-in-history' })
    // Resuming from an id given after the restart works again.
    const { client: fromHeld } = await a.connect({ 'last-event-id': onA.reader.events[2]!.id! })
    expect(await fromHeld.reader.event(0)).toMatchObject({ data: 'after' })
  })
})

describe('createRedisBackplane', () => {
  it('throws a TypeError naming a bad option', () => {
    expect(() => createRedisBackplane({ url: 6379 as never })).toThrow(/"url"/)
    expect(() => createRedisBackplane({ publishTimeout: -1 })).toThrow(/publishTimeout/)
    expect(() => createRedisBackplane({ publishTimeout: 1.5 })).toThrow(/"publishTimeout"/)
    expect(() => createRedisBackplane({ publishTimeout: 0 })).toThrow(/"publishTimeout"/)
    expect(() => createRedisBackplane({ publishTimeout: 2 ** 31 })).toThrow(/"publishTimeout"/)
    expect(() => createRedisBackplane({ prefix: null as never })).toThrow(/prefix/)
    expect(() => createRedisBackplane('redis://x' as never)).toThrow(/options/)
  })

  it('throws a TypeError naming a bad cluster or Sentinel option, before connecting', () => {
    const rootNodes = [{ url: 'redis://127.0.0.1:1' }]
    const bad: [options: unknown, message: RegExp][] = [
      [{ cluster: 'redis://x' }, /"cluster" must be an object/],
      [{ cluster: {} }, /"cluster.rootNodes" must be a non-empty array/],
      [{ cluster: { rootNodes: [] } }, /"cluster.rootNodes" must be a non-empty array/],
      [{ cluster: { rootNodes: [6379] } }, /"cluster.rootNodes\[0\]" must be an object/],
      [{ cluster: { rootNodes }, url: 'redis://x' }, /"url" and "cluster" cannot be combined/],
      [{ cluster: { rootNodes }, prefix: 'app{1}:' }, /"prefix" must not contain braces/],
      [{ sentinel: { sentinelRootNodes: [{}] } }, /"sentinel.name" must be a non-empty string/],
      [{ sentinel: { name: 'm' } }, /"sentinel.sentinelRootNodes" must be a non-empty array/],
      [
        { sentinel: { name: 'm', sentinelRootNodes: [{}] }, cluster: { rootNodes } },
        /"cluster" and "sentinel" cannot be combined/,
      ],
    ]
    for (const [options, message] of bad) {
      expect(() => createRedisBackplane(options as never)).toThrow(TypeError)
      expect(() => createRedisBackplane(options as never)).toThrow(message)
    }
    // A node list given as a URL is not shown: it may hold a password.
    expect(() =>
      createRedisBackplane({ cluster: { rootNodes: 'redis://:secret@x' as never } })
    ).not.toThrow(/secret/)
  })
})
