import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { recordingSink } from '@ssekit/test-helpers/recording-sink'
import { createSseStream } from './stream.js'

describe('maxDuration', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('ends streams opened together at different moments in the last tenth of it', () => {
    const streams = Array.from({ length: 200 }, () =>
      createSseStream(recordingSink(), { heartbeat: 0, maxDuration: 10_000 }).init()
    )
    const endedAt = new Map<number, number>()
    for (let ms = 0; ms <= 10_000; ms += 50) {
      streams.forEach((stream, i) => {
        if (stream.clientDisconnected && !endedAt.has(i)) endedAt.set(i, ms)
      })
      vi.advanceTimersByTime(50)
    }
    const times = [...endedAt.values()]
    expect(times).toHaveLength(200)
    expect(Math.min(...times)).toBeGreaterThanOrEqual(9000)
    expect(Math.max(...times)).toBeLessThanOrEqual(10_000)
    // Twenty 50 ms steps in the last tenth: uniform ends fill most of them.
    expect(new Set(times).size).toBeGreaterThanOrEqual(15)
  })
})
