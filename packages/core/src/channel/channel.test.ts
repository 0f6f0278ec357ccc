import { getEventListeners } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { sleep, waitFor } from '@ssekit/test-helpers/listen'
import {
  http1,
  transports,
  type Connection,
  type Served,
  type Transport,
} from '@ssekit/test-helpers/transports'
import type { Backplane, ReplayResult } from './backplane.js'
import { createChannel, type Channel } from './channel.js'
import type { ChannelOptions, SubscribeOptions } from './options.js'
import { createMemoryBackplane } from './memory-backplane.js'
import type { SseStreamOptions } from '../stream/options.js'
import type { SseStream } from '../stream/stream.js'
import type { Subscription } from './subscriber.js'

let served: Served | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

interface Setup {
  channel: Channel
  /** Opens a client and waits until its stream is subscribed. */
  connect: (
    headers?: Record<string, string>,
    options?: { paused?: boolean; subscribe?: SubscribeOptions }
  ) => Promise<{ client: Connection; stream: SseStream; subscription: Subscription }>
}

/** Serves a channel: each request's stream is subscribed with the options its client asked. */
async function serveChannel(
  transport: Transport,
  channelOptions?: ChannelOptions,
  streamOptions?: SseStreamOptions
): Promise<Setup> {
  const channel = createChannel('test', channelOptions)
  const arrived: SseStream[] = []
  served = await transport.serve((stream) => {
    stream.init()
    arrived.push(stream)
  }, streamOptions)
  const server = served
  return {
    channel,
    async connect(headers = {}, { paused = false, subscribe } = {}) {
      const opening = server.open(headers, paused)
      const stream = await waitFor(() => arrived.shift(), 5000, 'a server-side stream')
      const subscription = channel.subscribe(stream, subscribe)
      await subscription.ready
      return { client: await opening, stream, subscription }
    },
  }
}

/** Broadcasts `data` values in order, each awaited. */
async function broadcastAll(channel: Channel, values: readonly string[]): Promise<void> {
  for (const data of values) {
    const result = await channel.broadcast({ data })
    expect(result.published).toBe(true)
  }
}

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => String(from + i))
}

function dataOf(client: Connection): string[] {
  return client.reader.events.map((event) => event.data)
}

describe.each(transports)('a channel over $name', (transport) => {
  it('delivers each broadcast to every subscriber, with increasing ids', async () => {
    const { channel, connect } = await serveChannel(transport)
    const clients = await Promise.all([connect(), connect(), connect()])
    expect(channel.size).toBe(3)
    const results = [
      await channel.broadcast({ event: 'tick', data: { n: 1 } }),
      await channel.broadcast({ data: 'two\nlines' }),
    ]
    for (const { client } of clients) {
      expect(await client.reader.event(1)).toEqual({
        event: undefined,
        id: results[1]!.id,
        data: 'two\nlines',
      })
      expect(client.reader.events[0]).toEqual({
        event: 'tick',
        id: results[0]!.id,
        data: '{"n":1}',
      })
    }
    const [first, second] = results.map((result) => result.id!.split('-').map(Number))
    expect(second![0]).toBe(first![0])
    expect(second![1]).toBe(first![1]! + 1)
  })
})

describe('a channel', () => {
  it('serializes a broadcast once, however many subscribers and replays receive it', async () => {
    const { channel, connect } = await serveChannel(http1)
    const live = await Promise.all([connect(), connect(), connect()])
    let serializations = 0
    const data = {
      toJSON: () => {
        serializations++
        return { big: 'x'.repeat(1000) }
      },
    }
    const { id } = await channel.broadcast({ event: 'counted', data })
    for (const { client } of live) expect(await client.reader.event(0)).toMatchObject({ id })
    await channel.broadcast({ data: 'after' })
    const before = live[0].client.reader.events[0]
    const { client: late } = await connect({ 'last-event-id': 'unknown' })
    const { client: resumed } = await connect({ 'last-event-id': id! })
    expect((await late.reader.event(0)).event).toBe('resync')
    expect(await resumed.reader.event(0)).toMatchObject({ data: 'after' })
    expect(serializations).toBe(1)
    expect(JSON.parse(before!.data)).toEqual({ big: 'x'.repeat(1000) })
  })

  it('keeps an event’s own id, and assigns none with ids: false', async () => {
    const { channel, connect } = await serveChannel(http1, { ids: false })
    const { client } = await connect()
    expect(await channel.broadcast({ data: 'plain' })).toEqual({ published: true, id: undefined })
    expect(await channel.broadcast({ id: 'mine', data: 'own' })).toEqual({
      published: true,
      id: 'mine',
    })
    await client.reader.event(1)
    expect(client.reader.raw()).toContain('data: plain\n\n')
    expect(client.reader.raw()).not.toMatch(/id: [^m]/)
    const { client: resumed } = await connect({ 'last-event-id': 'mine' })
    await channel.broadcast({ data: 'next' })
    expect(await resumed.reader.event(0)).toMatchObject({ data: 'next' })
    expect(resumed.reader.events).toHaveLength(1)
  })

  it('sends each subscriber only what its filter accepts, live and replayed', async () => {
    const errors: unknown[] = []
    const { channel, connect } = await serveChannel(http1, { onError: (e) => errors.push(e) })
    const inRoom = (room: string): SubscribeOptions => ({
      filter: (message) => (message.meta as { room?: string } | undefined)?.room === room,
    })
    const { client: red } = await connect({}, { subscribe: inRoom('red') })
    const { client: all } = await connect()
    const throwing = await connect(
      {},
      {
        subscribe: {
          filter: () => {
            throw new Error('filter bug')
          },
        },
      }
    )
    const { id: first } = await channel.broadcast({ data: 'r1' }, { meta: { room: 'red' } })
    await channel.broadcast({ data: 'b1' }, { meta: { room: 'blue' } })
    await channel.broadcast({ data: 'r2' }, { meta: { room: 'red' } })
    await channel.broadcast({ data: 'none' })
    await all.reader.event(3)
    expect(dataOf(all)).toEqual(['r1', 'b1', 'r2', 'none'])
    await red.reader.event(1)
    const { client: replayed } = await connect(
      { 'last-event-id': String(first) },
      { subscribe: inRoom('red') }
    )
    await channel.broadcast({ data: 'r3' }, { meta: { room: 'red' } })
    await replayed.reader.event(1)
    await red.reader.event(2)
    expect(dataOf(red)).toEqual(['r1', 'r2', 'r3'])
    expect(dataOf(replayed)).toEqual(['r2', 'r3'])
    expect(throwing.client.reader.events).toEqual([])
    expect(errors.length).toBeGreaterThan(0)
    expect((errors[0] as Error).message).toMatch(/subscriber filters threw once.*: filter bug$/)
  })

  it('replays exactly the missed events, in order, before live ones', async () => {
    const { channel, connect } = await serveChannel(http1)
    const { client } = await connect()
    await broadcastAll(channel, range(0, 5))
    const seen = await client.reader.event(2)
    await client.disconnect()
    await broadcastAll(channel, range(5, 8))
    const { client: back } = await connect({ 'last-event-id': seen.id! })
    await broadcastAll(channel, range(8, 10))
    await back.reader.event(6)
    expect(dataOf(back)).toEqual(range(3, 10))
    const ids = back.reader.events.map((event) => event.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  /** Backplanes whose replay answers later, while broadcasts go on. */
  const slowReplays: Record<string, () => Backplane> = {
    'in-process': createMemoryBackplane,
    'reading late': () => {
      const inner = createMemoryBackplane()
      return {
        publish: (...args) => inner.publish(...args),
        subscribe: (...args) => inner.subscribe(...args),
        replay: async (...args) => {
          await sleep(3)
          return inner.replay(...args)
        },
      }
    },
    'answering late': () => {
      const inner = createMemoryBackplane()
      return {
        publish: (...args) => inner.publish(...args),
        subscribe: (...args) => inner.subscribe(...args),
        replay: async (...args): Promise<ReplayResult> => {
          const result = inner.replay(...args)
          await sleep(3)
          return result
        },
      }
    },
  }

  it.each(Object.keys(slowReplays))(
    'replays without gap or duplicate while broadcasts continue (%s)',
    async (kind) => {
      const { channel, connect } = await serveChannel(http1, {
        backplane: slowReplays[kind]!(),
        history: { maxEvents: Infinity, maxBytes: Infinity },
      })
      let { client } = await connect()
      let sent = 0
      const producing = { on: true }
      const producer = (async () => {
        while (producing.on) {
          await channel.broadcast({ data: String(sent++) })
          await sleep(sent % 4 === 0 ? 1 : 0)
        }
      })()
      const received: string[] = []
      for (let round = 0; round < 12; round++) {
        const seen = client.reader.events.length
        await client.reader.event(seen + 10)
        await client.disconnect()
        received.push(...dataOf(client))
        const lastId = client.reader.events.at(-1)!.id!
        ;({ client } = await connect({ 'last-event-id': lastId }))
      }
      producing.on = false
      await producer
      await waitFor(
        () => Number(client.reader.events.at(-1)?.data) === sent - 1,
        5000,
        'the last broadcast'
      )
      received.push(...dataOf(client))
      expect(received).toEqual(range(Number(received[0]), sent))
    }
  )

  it('sends the resync event when the history no longer reaches the client’s id', async () => {
    const { channel, connect } = await serveChannel(http1, { history: { maxEvents: 3 } })
    const { client } = await connect()
    await broadcastAll(channel, range(0, 2))
    const old = await client.reader.event(0)
    await broadcastAll(channel, range(2, 6))
    const newest = (await client.reader.event(5)).id
    const { client: late } = await connect({ 'last-event-id': old.id! })
    await channel.broadcast({ data: 'live' })
    expect(await late.reader.event(0)).toEqual({
      event: 'resync',
      id: newest,
      data: 'not-in-history',
    })
    expect(await late.reader.event(1)).toMatchObject({ data: 'live' })
    // Resuming from the resync event's id replays what came after it.
    const { client: again } = await connect({ 'last-event-id': newest! })
    expect(await again.reader.event(0)).toMatchObject({ data: 'live' })
    expect(again.reader.events).toHaveLength(1)
  })

  it('sends the resync event for an id it never gave, e.g. from before a restart', async () => {
    const { channel, connect } = await serveChannel(http1, { resyncEvent: 'reload' })
    const { client } = await connect({ 'last-event-id': '1700000000000-42' })
    expect(await client.reader.event(0)).toEqual({
      event: 'reload',
      id: '',
      data: 'not-in-history',
    })
    await channel.broadcast({ data: 'live' })
    expect(await client.reader.event(1)).toMatchObject({ data: 'live' })
  })

  it('tells the client to resync when the history cannot be read, and goes on live', async () => {
    const errors: unknown[] = []
    const inner = createMemoryBackplane()
    const backplane: Backplane = {
      publish: (...args) => inner.publish(...args),
      subscribe: (...args) => inner.subscribe(...args),
      replay: () => Promise.reject(new Error('history unavailable')),
    }
    const { channel, connect } = await serveChannel(http1, {
      backplane,
      onError: (error) => errors.push(error),
    })
    const { id } = await channel.broadcast({ data: 'missed' })
    const { client } = await connect({ 'last-event-id': id! })
    await channel.broadcast({ data: 'live' })
    await client.reader.event(1)
    expect(client.reader.events[0]).toEqual({ event: 'resync', id: undefined, data: 'backplane' })
    expect(dataOf(client)[1]).toBe('live')
    expect((errors[0] as Error).message).toBe('history unavailable')
  })

  it('resumes from a lastEventId option, and skips replay with null', async () => {
    const { channel, connect } = await serveChannel(http1)
    const { id } = await channel.broadcast({ data: 'a' })
    await channel.broadcast({ data: 'b' })
    const { client: fromQuery } = await connect({}, { subscribe: { lastEventId: id! } })
    const { client: fresh } = await connect(
      { 'last-event-id': id! },
      { subscribe: { lastEventId: null } }
    )
    await channel.broadcast({ data: 'c' })
    await fromQuery.reader.event(1)
    expect(dataOf(fromQuery)).toEqual(['b', 'c'])
    expect(await fresh.reader.event(0)).toMatchObject({ data: 'c' })
  })
})

describe.each([http1, transports[2]!])('a stalled subscriber over $name', (transport) => {
  const CHUNK = 'z'.repeat(32 * 1024)
  /** Enough to fill socket buffers on loopback and any subscriber bound several times over. */
  const COUNT = transport.name === 'web' ? 40 : 400

  async function stallOne(policy: 'wait' | 'disconnect', history?: ChannelOptions['history']) {
    const { channel, connect } = await serveChannel(
      transport,
      { history },
      { slowClient: policy, heartbeat: 0 }
    )
    const readers = await Promise.all([connect(), connect()])
    const stalled = await connect({}, { paused: true })
    // Paced as a real producer is: a burst above the bound within one tick would leave every
    // client behind, not only the stalled one.
    for (let i = 0; i < COUNT; i++) {
      await channel.broadcast({ id: String(i), data: CHUNK })
      await new Promise((resolve) => setImmediate(resolve))
    }
    await channel.broadcast({ event: 'done' })
    // The readers get everything while the stalled client still reads nothing.
    for (const { client } of readers) {
      await client.reader.event(COUNT, 20_000)
      expect(client.reader.events.slice(0, COUNT).map((event) => event.id)).toEqual(range(0, COUNT))
    }
    expect(stalled.client.reader.events).toEqual([])
    return { channel, readers, stalled }
  }

  it('does not delay the others, and is dropped past its bound by default', async () => {
    const { channel, stalled } = await stallOne('disconnect')
    await waitFor(() => stalled.stream.clientDisconnected, 5000, 'the stalled client to be dropped')
    expect(stalled.subscription.active).toBe(false)
    await stalled.subscription.closed
    expect(channel.size).toBe(2)
  })

  it('does not delay the others, and catches up from history with policy wait', async () => {
    const { channel, stalled } = await stallOne('wait', { maxBytes: 64 * 1024 * 1024 })
    expect(stalled.subscription.active).toBe(true)
    stalled.client.reader.resume()
    const events = stalled.client.reader.events
    await waitFor(() => events.at(-1)?.event === 'done', 20_000, 'the stalled client to catch up')
    expect(events.slice(0, -1).map((event) => event.id)).toEqual(range(0, COUNT))
    expect(channel.size).toBe(3)
  })

  it('is told to resync with policy wait when the history does not reach back', async () => {
    const { channel, stalled } = await stallOne('wait', { maxEvents: 2 })
    stalled.client.reader.resume()
    const events = stalled.client.reader.events
    await waitFor(() => events.at(-1)?.event === 'resync', 20_000, 'the resync event')
    expect(events.at(-1)?.data).toBe('fell-behind')
    const before = events.slice(0, -1).map((event) => event.id)
    expect(before).toEqual(range(0, before.length))
    expect(before.length).toBeLessThan(COUNT)
    await channel.broadcast({ event: 'after' })
    await waitFor(() => events.at(-1)?.event === 'after', 5000, 'a live event after resync')
  })
})

describe('a subscription', () => {
  it('ends when the client leaves or the stream closes', async () => {
    const { channel, connect } = await serveChannel(http1)
    const a = await connect()
    const b = await connect()
    await a.client.disconnect()
    await a.subscription.closed
    expect(channel.size).toBe(1)
    b.stream.close()
    expect(b.subscription.active).toBe(false)
    expect(channel.size).toBe(0)
    expect((await channel.broadcast({ data: 'nobody' })).published).toBe(true)
  })

  it('removes every listener it added, however often streams join and leave', async () => {
    const { connect } = await serveChannel(http1)
    const { stream, subscription } = await connect()
    subscription.unsubscribe()
    expect(getEventListeners(stream.signal, 'abort')).toHaveLength(0)
    const channels = Array.from({ length: 20 }, (_, i) => createChannel(`c${i}`))
    const warnings: Error[] = []
    const onWarning = (warning: Error): void => {
      warnings.push(warning)
    }
    process.on('warning', onWarning)
    try {
      for (let round = 0; round < 5000; round++) {
        const subscriptions = channels.map((channel) => channel.subscribe(stream))
        expect(getEventListeners(stream.signal, 'abort')).toHaveLength(1)
        for (const subscription of subscriptions) subscription.unsubscribe()
        expect(getEventListeners(stream.signal, 'abort')).toHaveLength(0)
      }
      await sleep(10)
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings).toEqual([])
    for (const channel of channels) expect(channel.size).toBe(0)
  })

  it('resolves ready at once in process, and closed at once when already ended', async () => {
    const { channel, connect } = await serveChannel(http1)
    const { stream, subscription } = await connect()
    await subscription.ready
    subscription.unsubscribe()
    subscription.unsubscribe()
    await subscription.closed
    stream.close()
    const late = channel.subscribe(stream)
    expect(late.active).toBe(false)
    await late.closed
    expect(channel.size).toBe(0)
  })
})

describe('bad input', () => {
  it('rejects an invalid broadcast with a TypeError, publishing nothing', async () => {
    const { channel, connect } = await serveChannel(http1)
    const { client } = await connect()
    await expect(channel.broadcast({ id: 'a\nb', data: 'x' })).rejects.toThrow(TypeError)
    await expect(channel.broadcast({ data: 1n })).rejects.toThrow(/data/)
    await expect(channel.broadcast({ data: 'x' }, 'meta' as never)).rejects.toThrow(TypeError)
    const { id } = await channel.broadcast({ data: 'fine' })
    expect(await client.reader.event(0)).toMatchObject({ data: 'fine', id })
    expect(client.reader.events).toHaveLength(1)
  })

  it('throws a TypeError naming what is wrong', async () => {
    expect(() => createChannel('')).toThrow(/channel name/)
    expect(() => createChannel('x', { history: { maxEvents: -1 } })).toThrow(/history.maxEvents/)
    expect(() => createChannel('x', { history: { maxAge: 1.5 } })).toThrow(/history.maxAge/)
    expect(() => createChannel('x', { backplane: {} as Backplane })).toThrow(/backplane/)
    expect(() => createChannel('x', { resyncEvent: 'a\nb' })).toThrow(/resyncEvent/)
    expect(() => createChannel('x', { ids: 'yes' as never })).toThrow(/"ids"/)
    const channel = createChannel('x')
    expect(() => channel.subscribe({} as SseStream)).toThrow(/SseStream/)
    expect(() => channel.subscribe(null as never)).toThrow(TypeError)
    const { connect } = await serveChannel(http1)
    const { stream } = await connect()
    expect(() => channel.subscribe(stream, { filter: 'red' as never })).toThrow(/"filter"/)
    expect(() => channel.subscribe(stream, { lastEventId: 5 as never })).toThrow(/lastEventId/)
    expect(channel.size).toBe(0)
  })
})
