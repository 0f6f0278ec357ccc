import { describe, expect, it } from 'vitest'
import { waitFor } from '@ssekit/test-helpers/listen'
import { redisInstances } from '@ssekit/test-helpers/redis-instances'
import { useRedisServer } from '@ssekit/test-helpers/redis-server'

const redis = useRedisServer()

const { newName, instance } = redisInstances(redis)

describe('onError during a Redis outage', () => {
  it('hears of it a bounded number of times, each with a message, however busy the app', async () => {
    // Through `localhost`, a refused connection fails with an AggregateError without message.
    const app = await instance(newName(), {
      url: redis().url.replace('127.0.0.1', 'localhost'),
      publishTimeout: 300,
    })
    const clients = []
    for (let i = 0; i < 20; i++) clients.push((await app.connect()).client)
    const before = await app.channel.broadcast({ data: 'before' })

    await redis().kill()
    await waitFor(() => app.errors.length > 0, 10_000, 'the outage')
    const broadcasts = Array.from({ length: 200 }, (_, i) =>
      app.channel.broadcast({ data: String(i) })
    )
    const resumed = []
    for (let i = 0; i < 20; i++) resumed.push(app.connect({ 'last-event-id': before.id! }))
    expect((await Promise.all(broadcasts)).every((result) => !result.published)).toBe(true)
    for (const { client } of await Promise.all(resumed)) {
      expect(await client.reader.event(0)).toMatchObject({ event: 'resync', data: 'backplane' })
    }
    await redis().restart()
    for (let tries = 0; !(await app.channel.broadcast({ data: 'after' })).published; tries++) {
      if (tries > 30) throw new Error('Redis did not come back')
    }

    // The connection, the failed broadcasts, the failed replays: a few reports, not hundreds.
    expect(app.errors.length).toBeGreaterThan(0)
    expect(app.errors.length).toBeLessThanOrEqual(6)
    for (const error of app.errors) {
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).not.toBe('')
    }
  })
})

describe('broadcast meta on the Redis backplane', () => {
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  it.each<[string, unknown, RegExp]>([
    ['a cycle', cycle, /"meta" must be JSON-serializable \(.*circular/],
    ['a BigInt', 1n, /"meta" must be JSON-serializable \(.*BigInt/],
    ['a BigInt inside', { n: 1n }, /"meta" must be JSON-serializable/],
    ['a function', () => 1, /"meta" must be JSON-serializable; got a function/],
    ['a symbol', Symbol('room'), /"meta" must be JSON-serializable; got symbol/],
  ])(
    'is refused when it is %s, with a TypeError, publishing nothing',
    async (_name, meta, message) => {
      const app = await instance(newName())
      const { client } = await app.connect()
      await expect(app.channel.broadcast({ data: 'x' }, { meta })).rejects.toThrow(TypeError)
      await expect(app.channel.broadcast({ data: 'x' }, { meta })).rejects.toThrow(message)
      await app.channel.broadcast({ data: 'fine' })
      expect((await client.reader.event(0)).data).toBe('fine')
    }
  )
})
