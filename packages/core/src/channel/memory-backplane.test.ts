import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BackplaneListener, BackplaneRecord, HistoryLimits } from './backplane.js'
import { createMemoryBackplane } from './memory-backplane.js'

const UNBOUNDED: HistoryLimits = { maxEvents: Infinity, maxBytes: Infinity, maxAge: Infinity }

function record(body: string, id?: string): BackplaneRecord {
  return { body: `data: ${body}\n\n`, autoId: id === undefined, id, event: undefined, meta: body }
}

function recorder(): BackplaneListener & { seen: string[]; resets: number } {
  const seen: string[] = []
  return {
    seen,
    resets: 0,
    onMessage: (seq) => seen.push(seq),
    onReset() {
      this.resets++
    },
  }
}

describe('createMemoryBackplane', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('delivers each message at once, in order, with increasing positions', () => {
    const backplane = createMemoryBackplane()
    const a = recorder()
    const b = recorder()
    const subscription = backplane.subscribe('news', a)
    backplane.subscribe('news', b)
    backplane.subscribe('other', recorder())
    expect(subscription.ready).toBeUndefined()
    const seqs = [1, 2, 3].map((n) => backplane.publish('news', record(String(n)), UNBOUNDED))
    expect(a.seen).toEqual(seqs)
    expect(b.seen).toEqual(seqs)
    const [epoch] = seqs[0]!.split('-')
    expect(seqs).toEqual([`${epoch}-1`, `${epoch}-2`, `${epoch}-3`])
    subscription.unsubscribe()
    backplane.publish('news', record('4'), UNBOUNDED)
    expect(a.seen).toHaveLength(3)
    expect(b.seen).toHaveLength(4)
  })

  it('replays the messages after a position or an event’s own id', () => {
    const backplane = createMemoryBackplane()
    const seqs = ['a', 'b', 'c', 'd'].map((body) =>
      backplane.publish('news', record(body, body === 'b' ? 'own-b' : undefined), UNBOUNDED)
    )
    const bodies = (cursor: string): string[] | undefined => {
      const result = backplane.replay('news', cursor, UNBOUNDED)
      return result.found
        ? result.messages.map((message) => String(message.record.meta))
        : undefined
    }
    expect(bodies(seqs[0]!)).toEqual(['b', 'c', 'd'])
    expect(bodies('own-b')).toEqual(['c', 'd'])
    expect(bodies(seqs[1]!)).toEqual(['c', 'd'])
    expect(bodies(seqs[3]!)).toEqual([])
    expect(backplane.replay('news', seqs[2]!, UNBOUNDED)).toMatchObject({ last: seqs[3] })
    expect(backplane.replay('news', 'unknown', UNBOUNDED)).toEqual({
      found: false,
      messages: [],
      last: seqs[3],
    })
    expect(backplane.replay('nothing-here', 'x', UNBOUNDED)).toEqual({
      found: false,
      messages: [],
      last: undefined,
    })
  })

  it('keeps at most maxEvents events', () => {
    const backplane = createMemoryBackplane()
    const limits = { ...UNBOUNDED, maxEvents: 3 }
    const seqs = Array.from({ length: 200 }, (_, i) =>
      backplane.publish('news', record(String(i)), limits)
    )
    expect(backplane.replay('news', seqs[197]!, limits)).toMatchObject({ found: true })
    expect(backplane.replay('news', seqs[197]!, limits).messages).toHaveLength(2)
    expect(backplane.replay('news', seqs[196]!, limits)).toMatchObject({ found: false })
  })

  it('keeps at most maxBytes of frames', () => {
    const backplane = createMemoryBackplane()
    // Each frame is `data: ü…\n\n`: 8 bytes of framing plus 2 bytes per ü.
    const frameBytes = 8 + 2 * 10
    const limits = { ...UNBOUNDED, maxBytes: frameBytes * 2 }
    const seqs = Array.from({ length: 4 }, () =>
      backplane.publish('news', record('ü'.repeat(10)), limits)
    )
    expect(backplane.replay('news', seqs[2]!, limits)).toMatchObject({ found: true })
    expect(backplane.replay('news', seqs[1]!, limits)).toMatchObject({ found: false })
  })

  it('forgets events older than maxAge', () => {
    let now = 1_000_000
    vi.spyOn(Date, 'now').mockImplementation(() => now)
    const backplane = createMemoryBackplane()
    const limits = { ...UNBOUNDED, maxAge: 1000 }
    const first = backplane.publish('news', record('first'), limits)
    now += 600
    const second = backplane.publish('news', record('second'), limits)
    now += 600
    backplane.publish('news', record('third'), limits)
    expect(backplane.replay('news', first, limits)).toMatchObject({ found: false })
    expect(backplane.replay('news', second, limits).messages).toHaveLength(1)
    now += 10_000
    expect(backplane.replay('news', second, limits)).toMatchObject({ found: false })
  })

  it('knows a client that saw the newest event missed nothing, even once it aged out', () => {
    let now = 1_000_000
    vi.spyOn(Date, 'now').mockImplementation(() => now)
    const backplane = createMemoryBackplane()
    const limits = { ...UNBOUNDED, maxAge: 1000 }
    const seq = backplane.publish('news', record('only'), limits)
    now += 60_000
    expect(backplane.replay('news', seq, limits)).toEqual({ found: true, messages: [], last: seq })
  })

  it('delivers without keeping anything when maxEvents is 0', () => {
    const backplane = createMemoryBackplane()
    const listener = recorder()
    backplane.subscribe('news', listener)
    const limits = { ...UNBOUNDED, maxEvents: 0 }
    const first = backplane.publish('news', record('a'), limits)
    backplane.publish('news', record('b'), limits)
    expect(listener.seen).toHaveLength(2)
    expect(backplane.replay('news', first, limits)).toMatchObject({ found: false })
  })

  it('does not mistake positions from another backplane (an earlier process) for its own', () => {
    let now = 1_000_000
    vi.spyOn(Date, 'now').mockImplementation(() => now)
    const before = createMemoryBackplane()
    const old = Array.from({ length: 5 }, () => before.publish('news', record('x'), UNBOUNDED))
    now += 1
    const after = createMemoryBackplane()
    for (let i = 0; i < 10; i++) after.publish('news', record('y'), UNBOUNDED)
    for (const seq of old)
      expect(after.replay('news', seq, UNBOUNDED)).toMatchObject({ found: false })
  })
})
