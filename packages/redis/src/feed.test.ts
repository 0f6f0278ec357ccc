import type { BackplaneListener } from '@ssekit/core/backplane'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Feed, type FeedRead } from './feed.js'
import { PROBE } from './link.js'

afterEach(() => {
  vi.useRealTimers()
})

/** A feed on a channel whose stream holds `entries`, probed through a counter. */
function probedFeed(entries: string[]) {
  const probes: number[] = []
  const reads: (string | undefined)[] = []
  const received: string[] = []
  const feed = new Feed(
    'tag-',
    (cursor) => {
      reads.push(cursor)
      const after = cursor === undefined ? [] : entries.filter((seq) => seq > cursor)
      const read: FeedRead = {
        found: true,
        messages: after.map((seq) => ({ seq, record: record(seq) })),
        last: entries.at(-1),
      }
      return Promise.resolve(read)
    },
    (error) => {
      throw error
    },
    () => {
      probes.push(Date.now())
      return Promise.resolve()
    }
  )
  const listener: BackplaneListener = {
    onMessage: (seq) => received.push(seq),
    onReset: () => received.push('reset'),
  }
  feed.listeners.add(listener)
  return { feed, probes, reads, received }
}

function record(seq: string) {
  return {
    body: `data: ${seq}\n\n`,
    autoId: true,
    id: undefined,
    event: undefined,
    meta: undefined,
  }
}

describe('a feed whose subscription must be probed', () => {
  it('probes at doubling intervals until a message arrives, then reads what it missed', async () => {
    vi.useFakeTimers({ now: 0 })
    const entries = ['1-0']
    const { feed, probes, reads, received } = probedFeed(entries)
    await feed.fill()
    feed.lost()
    entries.push('2-0', '3-0')
    await vi.advanceTimersByTimeAsync(750)
    expect(probes).toEqual([0, 100, 300, 700])
    // Broadcasts stay held while the subscription is unproven.
    expect(received).toEqual([])
    feed.onPayload(PROBE)
    await vi.advanceTimersByTimeAsync(0)
    expect(reads).toEqual([undefined, '1-0'])
    expect(received).toEqual(['tag-2-0', 'tag-3-0'])
    // Proven: no more probes.
    await vi.advanceTimersByTimeAsync(10_000)
    expect(probes).toHaveLength(4)
  })

  it('takes a broadcast as proof, delivering it once after what it missed', async () => {
    vi.useFakeTimers({ now: 0 })
    const entries = ['1-0']
    const { feed, received } = probedFeed(entries)
    await feed.fill()
    feed.lost()
    entries.push('2-0', '3-0')
    feed.onPayload(`3-0\n{"a":1}\ndata: 3-0\n\n`)
    await vi.advanceTimersByTimeAsync(0)
    expect(received).toEqual(['tag-2-0', 'tag-3-0'])
  })

  it('stops probing when closed', async () => {
    vi.useFakeTimers({ now: 0 })
    const { feed, probes } = probedFeed(['1-0'])
    await feed.fill()
    feed.lost()
    feed.close()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(probes).toEqual([0])
    expect(vi.getTimerCount()).toBe(0)
  })
})
