import { createClient } from '@redis/client'
import { describe, expect, it } from 'vitest'
import { redisInstances, type Instance } from '@ssekit/test-helpers/redis-instances'
import { useRedisServer } from '@ssekit/test-helpers/redis-server'

const redis = useRedisServer()

const { cleanups, newName, instance } = redisInstances(redis)

async function inspector() {
  const client = createClient({ url: redis().url })
  await client.connect()
  cleanups.push(() => client.close())
  return client
}

/** The data a client resuming from `lastEventId` receives, or the resync reason. */
async function resumeFrom(app: Instance, lastEventId: string, count: number): Promise<string[]> {
  const { client } = await app.connect({ 'last-event-id': lastEventId })
  await client.reader.event(count - 1)
  return client.reader.events.map((event) => event.data)
}

describe('the index of events’ own ids in Redis', () => {
  it.each([
    ['an exact bound', 3, 40],
    ['a bound trimmed in batches', 150, 1000],
  ])('is trimmed with the stream, under %s (maxEvents %i)', async (_name, maxEvents, count) => {
    const name = newName()
    const app = await instance(name, {}, { history: { maxEvents } })
    const redisClient = await inspector()
    // Events without own ids first: the index starts with the first that has one.
    for (let i = 0; i < count / 4; i++) await app.channel.broadcast({ data: `auto-${i}` })
    for (let i = 0; i < count; i++) await app.channel.broadcast({ id: `e${i}`, data: `e${i}` })

    const entries = await redisClient.xRange(`test:${name}`, '-', '+')
    const streamIds = new Set((entries ?? []).map((entry) => entry.id))
    const index = await redisClient.hGetAll(`test:${name}:own-ids`)
    expect(streamIds.size).toBeLessThanOrEqual(maxEvents < 100 ? maxEvents : maxEvents + 100)
    // Every indexed event is in the stream, and every own id in the stream is indexed.
    expect(Object.values(index).every((id) => streamIds.has(id))).toBe(true)
    expect(Object.keys(index)).toHaveLength(streamIds.size)
    expect(await redisClient.lLen(`test:${name}:own-id-order`)).toBe(streamIds.size)

    expect(await resumeFrom(app, `e${count - 3}`, 2)).toEqual([`e${count - 2}`, `e${count - 1}`])
    expect(await resumeFrom(app, 'e0', 1)).toEqual(['not-in-history'])
    expect(app.errors).toEqual([])
  })

  it('keeps pointing an own id used twice at its newest event when the older one is trimmed', async () => {
    const name = newName()
    const app = await instance(name, {}, { history: { maxEvents: 3 } })
    for (const [id, data] of [
      ['dup', 'first'],
      ['a', 'a'],
      ['b', 'b'],
      ['dup', 'second'],
      ['c', 'c'],
    ]) {
      await app.channel.broadcast({ id, data })
    }
    expect(await resumeFrom(app, 'dup', 1)).toEqual(['c'])
  })

  it('expires with the stream when the history has an age bound', async () => {
    const name = newName()
    const app = await instance(name, {}, { history: { maxAge: 60_000 } })
    const redisClient = await inspector()
    await app.channel.broadcast({ id: 'one', data: '1' })
    for (const key of [`test:${name}:own-ids`, `test:${name}:own-id-order`]) {
      const ttl = await redisClient.pTTL(key)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(60_000)
    }
  })
})
