import { describe, expect, it } from 'vitest'
import type { SseSink } from '../sink/sink.js'
import { createStreamGroup } from './stream-group.js'
import { createSseStream } from './stream.js'

/** A sink whose client takes everything, or, when `stuck`, nothing at all. */
function sink(stuck: boolean): SseSink {
  return {
    keepAlive: true,
    lastEventId: undefined,
    bufferedBytes: stuck ? 1_000_000 : 0,
    connect: () => undefined,
    open: () => undefined,
    write: () => !stuck,
    end: () => undefined,
    whenClosed: () => Promise.resolve(),
  }
}

describe('a stream group’s stats()', () => {
  it('counts the streams given the group, their sends and a slow-client drop', async () => {
    const group = createStreamGroup()
    const fast = createSseStream(sink(false), { group, heartbeat: 0 })
    const slow = createSseStream(sink(true), { group, heartbeat: 0, maxBufferedBytes: 1 })
    await fast.send({ event: 'tick', data: 'ü' })
    await fast.comment('still here')
    void slow.send({ data: 'first' })
    expect(await slow.send({ data: 'second' })).toEqual({ clientDisconnected: true })
    const stats = group.stats()
    expect(stats).toMatchObject({ open: 1, started: 2, slowClientDrops: 1, refused: 0 })
    expect(stats.ended['slow-client']).toBe(1)
    // "event: tick\ndata: ü\n\n" (22 bytes), ": still here\n\n" (14), "data: first\n\n" (13).
    expect(stats.eventsSent).toBe(3)
    expect(stats.bytesSent).toBe(22 + 14 + 13)
    // A snapshot does not change afterwards.
    fast.close()
    expect(stats.open).toBe(1)
    expect(group.stats()).toMatchObject({ open: 0, ended: { closed: 1, 'slow-client': 1 } })
  })
})
