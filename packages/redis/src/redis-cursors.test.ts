import { createClient } from '@redis/client'
import { describe, expect, it } from 'vitest'
import { redisInstances } from '@ssekit/test-helpers/redis-instances'
import { useRedisServer } from '@ssekit/test-helpers/redis-server'

const redis = useRedisServer()

const { cleanups, newName, instance } = redisInstances(redis)

describe('a Redis channel given another channel’s id as Last-Event-ID', () => {
  it('resyncs the client, even when the other stream holds an entry numbered alike', async () => {
    const a = await instance(newName())
    const b = await instance(newName())
    const aIds: string[] = []
    for (const data of ['a1', 'a2', 'a3']) aIds.push((await a.channel.broadcast({ data })).id!)
    // Streams number entries by time, so two channels' streams can hold the same number:
    // make it so for a's last id.
    const admin = createClient({ url: redis().url })
    await admin.connect()
    cleanups.push(() => admin.close())
    const streamId = /\d+-\d+$/.exec(aIds[2]!)![0]
    await admin.xAdd(`test:${b.channel.name}`, streamId, { b: 'data: b0\n\n', h: '{"a":1}' })
    const bIds: string[] = []
    for (const data of ['b1', 'b2', 'b3']) bIds.push((await b.channel.broadcast({ data })).id!)

    const { client } = await b.connect({ 'last-event-id': aIds[2]! })
    expect(await client.reader.event(0)).toEqual({
      event: 'resync',
      id: bIds[2],
      data: 'not-in-history',
    })
    const { client: own } = await b.connect({ 'last-event-id': bIds[0]! })
    await own.reader.event(1)
    expect(own.reader.events.map((event) => event.data)).toEqual(['b2', 'b3'])
    expect([...a.errors, ...b.errors]).toEqual([])
  })
})
