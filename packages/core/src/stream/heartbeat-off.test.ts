import { afterEach, describe, expect, it, vi } from 'vitest'
import { recordingSink, type RecordingSink } from '@ssekit/test-helpers/recording-sink'
import { createSseStream } from './stream.js'

// In a file of its own: heartbeat timers are shared per interval across a module's streams, so
// here no stream of another test holds a real timer that fake time cannot move.

describe('the heartbeat option', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  const heartbeats = (sink: RecordingSink): number =>
    sink.io.filter((entry) => entry === 'write :\n\n').length

  it('turns heartbeats off with 0, where the default sends them', () => {
    vi.useFakeTimers()
    const off = recordingSink()
    const quiet = createSseStream(off, { heartbeat: 0 }).init()
    const control = recordingSink()
    const beating = createSseStream(control).init()
    vi.advanceTimersByTime(60 * 60 * 1000)
    // A comment after each 15 s of silence on the default stream for an hour, none
    // at all on the other.
    expect(heartbeats(control)).toBe(240)
    expect(heartbeats(off)).toBe(0)
    quiet.close()
    beating.close()
  })
})
