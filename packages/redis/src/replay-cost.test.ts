import { createClient } from '@redis/client'
import type { BackplaneRecord, HistoryLimits } from '@ssekit/core/backplane'
import { describe, expect, it } from 'vitest'
import { redisInstances } from '@ssekit/test-helpers/redis-instances'
import { useRedisServer } from '@ssekit/test-helpers/redis-server'

const redis = useRedisServer()

const { cleanups, newName, instance } = redisInstances(redis)

const HISTORY = 100_000
const LIMITS: HistoryLimits = { maxEvents: HISTORY, maxBytes: Infinity, maxAge: Infinity }

/** Appends events 0 to ARGV[1] - 1, each with its own id `own-<n>`, and indexes them. */
const FILL_SCRIPT = `
for n = 0, tonumber(ARGV[1]) - 1 do
  local id = redis.call('XADD', KEYS[1], '*', 'b', 'id: own-' .. n .. '\\ndata: ' .. n .. '\\n\\n',
    'h', '{"i":"own-' .. n .. '"}', 'i', 'own-' .. n)
  redis.call('HSET', KEYS[2], 'own-' .. n, id)
  redis.call('RPUSH', KEYS[3], id .. ' own-' .. n)
end
`

function record(n: number): BackplaneRecord {
  return {
    body: `id: own-${n}\ndata: ${n}\n\n`,
    autoId: false,
    id: `own-${n}`,
    event: undefined,
    meta: undefined,
  }
}

/** Redis's own accounting of the time it spent running scripts. */
async function scriptTime(admin: {
  info: (section: string) => Promise<unknown>
}): Promise<{ calls: number; usec: number }> {
  const info = String(await admin.info('commandstats'))
  let calls = 0
  let usec = 0
  for (const match of info.matchAll(/^cmdstat_(?:eval|evalsha):calls=(\d+),usec=(\d+)/gm)) {
    calls += Number(match[1])
    usec += Number(match[2])
  }
  return { calls, usec }
}

describe('replay from a 100,000-event Redis history', () => {
  it('costs Redis the same small time whatever cursor a client sends, and no error', async () => {
    const name = newName()
    const app = await instance(name, {}, { history: LIMITS })
    const admin = createClient({ url: redis().url })
    await admin.connect()
    cleanups.push(() => admin.close())
    // The bulk of the history in one script, written as the publish script writes it (fields,
    // own-id index); the newest events through the backplane itself.
    await admin.eval(FILL_SCRIPT, {
      keys: [`test:${name}`, `test:${name}:own-ids`, `test:${name}:own-id-order`],
      arguments: [String(HISTORY - 10)],
    })
    const ids: string[] = []
    for (let n = HISTORY - 10; n < HISTORY; n++) {
      ids.push(await app.backplane.publish(name, record(n), LIMITS))
    }
    expect(await admin.xLen(`test:${name}`)).toBe(HISTORY)
    const tag = ids[0]!.slice(0, ids[0]!.indexOf('-') + 1)

    await admin.configResetStat()
    const hostile = [
      'own-unknown',
      'not an id',
      '99999999999999999999-0',
      `${tag}99999999999999999999-0`,
      `${tag}1-18446744073709551616`,
      `${tag}01-0`,
      '1-2-3',
      'x'.repeat(4000),
    ]
    for (const cursor of hostile) {
      const { client } = await app.connect({ 'last-event-id': cursor })
      expect(await client.reader.event(0)).toEqual({
        event: 'resync',
        id: ids.at(-1),
        data: 'not-in-history',
      })
    }
    const { calls, usec } = await scriptTime(admin)
    expect(calls).toBeGreaterThanOrEqual(hostile.length)
    // A lookup and the newest id: tens of microseconds each, not a scan of the history.
    expect(usec / calls).toBeLessThan(2000)
    expect(app.errors).toEqual([])

    // Legitimate cursors still replay, by an event's own id or the channel's, as cheaply.
    await admin.configResetStat()
    const { client: byOwnId } = await app.connect({ 'last-event-id': `own-${HISTORY - 4}` })
    expect((await byOwnId.reader.event(2)).data).toBe(String(HISTORY - 1))
    expect(byOwnId.reader.events.map((event) => event.id)).toEqual([
      `own-${HISTORY - 3}`,
      `own-${HISTORY - 2}`,
      `own-${HISTORY - 1}`,
    ])
    const { client: bySeq } = await app.connect({ 'last-event-id': ids.at(-3)! })
    expect((await bySeq.reader.event(1)).data).toBe(String(HISTORY - 1))
    const legit = await scriptTime(admin)
    expect(legit.usec / legit.calls).toBeLessThan(2000)
    expect(app.errors).toEqual([])
  }, 60_000)
})
