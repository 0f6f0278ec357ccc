import { createClient } from '@redis/client'
import { relayLogChannel, type BackplaneRecord, type RelayState } from '@ssekit/core/backplane'
import { describe, expect, it } from 'vitest'
import { sleep } from '@ssekit/test-helpers/listen'
import { redisInstances } from '@ssekit/test-helpers/redis-instances'
import { useRedisServer } from '@ssekit/test-helpers/redis-server'

const redis = useRedisServer()
const { cleanups, newName, newBackplane } = redisInstances(redis)

const running: RelayState = { status: 'running', events: 0, leaseUntil: 1 }
const MINUTE = 60_000
const event: BackplaneRecord = {
  body: 'id: 1\ndata: x\n\n',
  autoId: false,
  id: '1',
  event: undefined,
  meta: undefined,
}
const KEEP_ALL = { maxEvents: Infinity, maxBytes: Infinity, maxAge: Infinity }

/** The keys of a relay's log: the channel's stream, its own-id index and the index's order. */
function logKeys(id: string): string[] {
  const stream = `test:${relayLogChannel(id)}`
  return [stream, `${stream}:own-ids`, `${stream}:own-id-order`]
}

async function inspector() {
  const client = createClient({ url: redis().url })
  await client.connect()
  cleanups.push(() => client.close())
  return client
}

/** The relay's key as the store names it: the prefix, the byte 0xFF, `relay:`, the id. */
function relayKey(id: string): Buffer {
  return Buffer.concat([Buffer.from('test:'), Buffer.from([0xff]), Buffer.from(`relay:${id}`)])
}

describe('relay state in Redis', () => {
  it('creates a relay once: a second create of the id stores nothing and answers false', async () => {
    const { backplane: a } = await newBackplane()
    const { backplane: b } = await newBackplane()
    const id = newName()
    expect(await a.createRelay(id, running, MINUTE)).toBe(true)
    expect(await b.createRelay(id, { ...running, events: 5 }, MINUTE)).toBe(false)
    expect(await b.readRelay(id)).toEqual(running)
  })

  it('gives every instance the state, with the reason once it ended', async () => {
    const { backplane: a } = await newBackplane()
    const { backplane: b } = await newBackplane()
    const id = newName()
    expect(await b.readRelay(id)).toBeUndefined()
    await a.createRelay(id, running, MINUTE)
    const ended: RelayState = { status: 'stopped', events: 3, reason: 'user', leaseUntil: 9 }
    expect(await a.updateRelay(id, ended, MINUTE)).toBe(true)
    expect(await b.readRelay(id)).toEqual(ended)
  })

  it('forgets a relay when its ttl passes, and an update sets the ttl anew', async () => {
    const { backplane } = await newBackplane()
    const admin = await inspector()
    const id = newName()
    await backplane.createRelay(id, running, 400)
    const created = await admin.pTTL(relayKey(id))
    expect(created).toBeGreaterThan(0)
    expect(created).toBeLessThanOrEqual(400)
    await backplane.updateRelay(id, { ...running, events: 1 }, MINUTE)
    expect(await admin.pTTL(relayKey(id))).toBeGreaterThan(MINUTE - 5000)
    await backplane.updateRelay(id, { ...running, events: 2 }, 50)
    for (let tries = 0; (await backplane.readRelay(id)) !== undefined; tries++) {
      if (tries > 100) throw new Error('the relay did not expire')
      await sleep(20)
    }
    expect(await backplane.updateRelay(id, running, MINUTE)).toBe(false)
    expect(await backplane.readRelay(id)).toBeUndefined()
    // The id is free again.
    expect(await backplane.createRelay(id, running, MINUTE)).toBe(true)
  })

  it('keeps a relay given an infinite ttl without expiry', async () => {
    const { backplane } = await newBackplane()
    const admin = await inspector()
    const id = newName()
    await backplane.createRelay(id, running, Infinity)
    expect(await admin.pTTL(relayKey(id))).toBe(-1)
    await backplane.updateRelay(id, { ...running, status: 'done' }, Infinity)
    expect(await admin.pTTL(relayKey(id))).toBe(-1)
  })

  it('lets exactly one of two instances end a relay, whichever comes first', async () => {
    const { backplane: a } = await newBackplane()
    const { backplane: b } = await newBackplane()
    for (let round = 0; round < 50; round++) {
      const id = newName()
      await a.createRelay(id, running, MINUTE)
      const byA: RelayState = { status: 'done', events: 4, leaseUntil: 1 }
      const byB: RelayState = { status: 'stopped', events: 4, reason: 'user', leaseUntil: 1 }
      const [wonA, wonB] = await Promise.all([
        a.updateRelay(id, byA, MINUTE),
        b.updateRelay(id, byB, MINUTE),
      ])
      expect(wonA !== wonB).toBe(true)
      expect(await a.readRelay(id)).toEqual(wonA ? byA : byB)
    }
  })

  it('never brings a finished relay back: renewing the lease after it ended answers false', async () => {
    const { backplane: owner } = await newBackplane()
    const { backplane: other } = await newBackplane()
    const id = newName()
    await owner.createRelay(id, running, MINUTE)
    expect(await owner.updateRelay(id, { ...running, leaseUntil: 2 }, MINUTE)).toBe(true)
    const failed: RelayState = { status: 'failed', events: 0, reason: 'lost', leaseUntil: 2 }
    expect(await other.updateRelay(id, failed, MINUTE)).toBe(true)
    for (const status of ['running', 'done', 'stopped'] as const) {
      expect(await owner.updateRelay(id, { ...running, status, leaseUntil: 3 }, MINUTE)).toBe(false)
    }
    expect(await owner.readRelay(id)).toEqual(failed)
  })

  it('keeps relays apart from channels, whatever the channel is named', async () => {
    const { backplane } = await newBackplane()
    const admin = await inspector()
    const id = newName()
    await backplane.createRelay(id, running, MINUTE)
    // A channel named like the relay's key, in any spelling, has keys of its own.
    for (const name of [`relay:${id}`, `\u00ffrelay:${id}`, `\uffffrelay:${id}`]) {
      await backplane.publish(
        name,
        { body: 'data: x\n\n', autoId: true, id: undefined, event: undefined, meta: undefined },
        { maxEvents: 10, maxBytes: Infinity, maxAge: Infinity }
      )
    }
    expect(await admin.type(relayKey(id))).toBe('string')
    expect(await backplane.readRelay(id)).toEqual(running)
  })

  it('rejects with a message when Redis does not answer within publishTimeout', async () => {
    const { backplane } = await newBackplane({ publishTimeout: 200 })
    const { backplane: patient } = await newBackplane()
    const id = newName()
    await redis().kill()
    let down = true
    try {
      await expect(backplane.readRelay(id)).rejects.toThrow(/publishTimeout \(200 ms\)/)
      await expect(backplane.createRelay(id, running, MINUTE)).rejects.toThrow(/publishTimeout/)
      await expect(backplane.updateRelay(id, running, MINUTE)).rejects.toThrow(/publishTimeout/)
      // Without a timeout passing, a write waits for Redis and is made when it is back.
      const waiting = patient.createRelay(id, running, MINUTE)
      await redis().restart()
      down = false
      expect(await waiting).toBe(true)
    } finally {
      if (down) await redis().restart()
    }
  })

  it('throws a TypeError naming the bad argument, before any command', async () => {
    const { backplane } = await newBackplane()
    expect(() => backplane.createRelay('', running, MINUTE)).toThrow(/relay id/)
    expect(() => backplane.readRelay(7 as never)).toThrow(/relay id.*number 7/)
    expect(() => backplane.createRelay('x', running, 0)).toThrow(/"ttl".*number 0/)
    expect(() => backplane.updateRelay('x', running, Number.NaN)).toThrow(/"ttl"/)
    expect(() => backplane.createRelay('x', { ...running, status: 'ok' as never }, 1)).toThrow(
      /"status"/
    )
    expect(() => backplane.updateRelay('x', { ...running, events: -1 }, 1)).toThrow(/"events"/)
    expect(() => backplane.createRelay('x', null as never, 1)).toThrow(/state.*null/)
    expect(await backplane.readRelay('x')).toBeUndefined()
  })

  it('reports a key that holds something else as an error, not as a state', async () => {
    const { backplane } = await newBackplane()
    const admin = await inspector()
    const id = newName()
    await admin.set(relayKey(id), '{"status":"paused"}')
    await expect(backplane.readRelay(id)).rejects.toThrow(/not.*relay state|other than a relay/)
    expect(await backplane.updateRelay(id, running, MINUTE)).toBe(false)
  })
})

describe('a relay’s log in Redis', () => {
  it('lives as long as the relay’s record, from the first event to the expiry', async () => {
    const { backplane } = await newBackplane()
    const admin = await inspector()
    const id = newName()
    await backplane.createRelay(id, running, MINUTE)
    await backplane.publish(relayLogChannel(id), event, KEEP_ALL)
    // Taken from the record at once, not at the next renewal: an instance may die before it.
    for (const key of logKeys(id)) {
      expect(await admin.pTTL(key)).toBeGreaterThan(MINUTE - 5000)
      expect(await admin.pTTL(key)).toBeLessThanOrEqual(MINUTE)
    }
    await backplane.updateRelay(id, { ...running, status: 'done', events: 1 }, 300)
    for (const key of logKeys(id)) expect(await admin.pTTL(key)).toBeLessThanOrEqual(300)
    for (let tries = 0; (await admin.exists([relayKey(id), ...logKeys(id)])) > 0; tries++) {
      if (tries > 100) throw new Error('the relay and its log did not expire')
      await sleep(20)
    }
  })

  it('starts empty for a new relay of an id whose old log outlived its record', async () => {
    const { backplane } = await newBackplane()
    const admin = await inspector()
    const id = newName()
    await backplane.publish(relayLogChannel(id), event, KEEP_ALL)
    expect(await admin.exists(logKeys(id))).toBe(3)
    await backplane.createRelay(id, running, MINUTE)
    expect(await admin.exists(logKeys(id))).toBe(0)
  })

  it('leaves other channels’ keys as they were, a channel named like a relay’s log too', async () => {
    const { backplane } = await newBackplane()
    const admin = await inspector()
    for (const name of ['news', relayLogChannel(newName())]) {
      await backplane.publish(name, event, KEEP_ALL)
      for (const key of [`test:${name}`, `test:${name}:own-ids`]) {
        expect(await admin.pTTL(key)).toBe(-1)
      }
    }
  })
})
