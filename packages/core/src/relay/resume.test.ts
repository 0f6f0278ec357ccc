import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { client, controlled, ids } from '../../../../test/helpers/relay-client.js'
import type { Backplane, RelayStore } from '../channel/backplane.js'
import { createMemoryBackplane } from '../channel/memory-backplane.js'
import { createRelayHub } from './hub.js'

/**
 * How the backplane answers a replay, as a backplane across the network may: at once, or a
 * turn later with the history read before the wait (later messages only arrive live) or
 * after it (they arrive both ways, and must be sent once).
 */
type ReplayTiming = 'at-once' | 'read-then-wait' | 'wait-then-read'

function backplaneWith(timing: ReplayTiming): Backplane & RelayStore {
  const memory = createMemoryBackplane()
  if (timing === 'at-once') return memory
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
  return {
    publish: memory.publish.bind(memory),
    subscribe: memory.subscribe.bind(memory),
    createRelay: memory.createRelay.bind(memory),
    readRelay: memory.readRelay.bind(memory),
    updateRelay: memory.updateRelay.bind(memory),
    replay: async (channel, cursor, history) => {
      if (timing === 'wait-then-read') await turn()
      const result = memory.replay(channel, cursor, history)
      if (timing === 'read-then-wait') await turn()
      return result
    },
  }
}

/** Lets the attachments' pumps run for a while, as time passes between network packets. */
async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) {
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** The ids after `cursor` up to `last`, as strings. */
function range(cursor: number, last: number): string[] {
  return Array.from({ length: Math.max(last - cursor, 0) }, (_, index) =>
    String(cursor + index + 1)
  )
}

const session = fc.record({
  /** Events the producer sends while this client is attached. */
  produced: fc.nat({ max: 12 }),
  /** Events it sends in one turn, which the log keeps in one record. */
  burst: fc.integer({ min: 1, max: 4 }),
  /** Event loop turns before the client drops. */
  leaveAfter: fc.nat({ max: 6 }),
  /** Which cursor the client comes back with: how far behind its last id, or none. */
  cursorBack: fc.option(fc.nat({ max: 4 }), { nil: undefined }),
})

describe('resuming a relay', () => {
  it('gives every client exactly the events after its cursor, in order, once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(session, { maxLength: 6 }),
        fc.nat({ max: 40 }),
        fc.constantFrom<ReplayTiming>('at-once', 'read-then-wait', 'wait-then-read'),
        async (before, firstBurst, sessions, finalCursor, timing) => {
          const relays = createRelayHub({
            orphanTimeout: Infinity,
            backplane: backplaneWith(timing),
          })
          try {
            const job = controlled()
            const relay = await relays.start(job.producer)
            let produced = 0
            const produce = async (count: number, burst: number): Promise<void> => {
              for (let left = count; left > 0; left -= burst) {
                const size = Math.min(burst, left)
                await Promise.all(Array.from({ length: size }, () => job.send(String(++produced))))
              }
            }
            await produce(before, firstBurst)
            let cursor: number | undefined
            for (const { produced: during, burst, leaveAfter, cursorBack } of sessions) {
              const c = client(cursor === undefined ? undefined : String(cursor))
              const attached = relays.attach(relay.id, c.stream)
              // Events keep coming while the client's replay is read.
              await produce(during, burst)
              await turns(leaveAfter)
              c.leave()
              expect(await attached).toEqual({ clientDisconnected: true })
              const received = ids(c.io)
              // A contiguous run right after the cursor: nothing skipped, nothing twice.
              const from = cursor ?? 0
              expect(received).toEqual(range(from, from + received.length))
              expect(from + received.length).toBeLessThanOrEqual(produced)
              const last = from + received.length
              cursor = cursorBack === undefined ? undefined : Math.max(last - cursorBack, 0)
            }
            job.finish()
            await relay.done
            const resumeFrom = Math.min(finalCursor, produced)
            const c = client(String(resumeFrom))
            const result = await relays.attach(relay.id, c.stream)
            expect(result).toEqual({ clientDisconnected: false, end: { status: 'done' } })
            if (resumeFrom === produced) expect(c.io).toEqual(['204'])
            else expect(ids(c.io)).toEqual(range(resumeFrom, produced))
          } finally {
            await relays.close()
          }
        }
      ),
      { numRuns: 150 }
    )
  })
})
