import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SinkListener, SseSink } from '../sink/sink.js'
import { createSseStream, type SseStream } from './stream.js'

/** What reached the wire, and when (fake clock). */
interface Write {
  readonly at: number
  readonly text: string
}

/** A sink that timestamps everything it is given: the opening headers count as a write. */
function timedSink(): SseSink & { writes: Write[] } {
  const writes: Write[] = []
  return {
    writes,
    keepAlive: true,
    lastEventId: undefined,
    bufferedBytes: 0,
    connect: (_listener: SinkListener) => undefined,
    open: () => writes.push({ at: Date.now(), text: '<headers>' }),
    write: (text) => writes.push({ at: Date.now(), text }) > 0,
    end: () => undefined,
    whenClosed: () => Promise.resolve(),
  }
}

/** The silences ended by a heartbeat: time from the previous write to each heartbeat. */
function heartbeatSilences(writes: readonly Write[]): number[] {
  const silences: number[] = []
  for (let i = 1; i < writes.length; i++) {
    if (writes[i]!.text === ':\n\n') silences.push(writes[i]!.at - writes[i - 1]!.at)
  }
  return silences
}

/** The longest time between two writes, and from the last write to `until`. */
function longestSilence(writes: readonly Write[], until: number): number {
  let longest = 0
  for (let i = 1; i < writes.length; i++) {
    longest = Math.max(longest, writes[i]!.at - writes[i - 1]!.at)
  }
  return Math.max(longest, until - writes.at(-1)!.at)
}

describe.each([1000, 15_000])('heartbeat: %i ms', (heartbeat) => {
  /** The promised bound: never longer than the interval, at most 5 % shorter. */
  const earliest = heartbeat - Math.floor(heartbeat / 20)
  let streams: SseStream[] = []

  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    for (const stream of streams) stream.close()
    streams = []
    vi.useRealTimers()
  })

  function open(): { stream: SseStream; writes: Write[] } {
    const sink = timedSink()
    const stream = createSseStream(sink, { heartbeat }).init()
    streams.push(stream)
    return { stream, writes: sink.writes }
  }

  /** Moves the fake clock by an amount that is no multiple of the clock's tick. */
  function offPhase(fraction: number): void {
    vi.advanceTimersByTime(Math.round(heartbeat * fraction) + 7)
  }

  it('keeps a never-written stream silent no longer than the interval', () => {
    // Another stream starts the shared clock first, so this one joins between two ticks.
    open()
    offPhase(0.37)
    const { writes } = open()
    vi.advanceTimersByTime(heartbeat * 10)
    const silences = heartbeatSilences(writes)
    expect(silences.length).toBeGreaterThanOrEqual(10)
    for (const silence of silences) {
      expect(silence).toBeLessThanOrEqual(heartbeat)
      expect(silence).toBeGreaterThanOrEqual(earliest)
    }
    expect(longestSilence(writes, Date.now())).toBeLessThanOrEqual(heartbeat)
  })

  it('sends the heartbeat one interval after a write, not up to two', async () => {
    const { stream, writes } = open()
    for (const fraction of [0.2, 0.55, 0.99, 0.01, 0.73]) {
      offPhase(fraction)
      await stream.send({ data: 'x' })
    }
    vi.advanceTimersByTime(heartbeat * 3)
    const silences = heartbeatSilences(writes)
    expect(silences.length).toBeGreaterThanOrEqual(3)
    for (const silence of silences) {
      expect(silence).toBeLessThanOrEqual(heartbeat)
      expect(silence).toBeGreaterThanOrEqual(earliest)
    }
    expect(longestSilence(writes, Date.now())).toBeLessThanOrEqual(heartbeat)
  })

  it('counts a comment as a write', async () => {
    const { stream, writes } = open()
    offPhase(0.61)
    await stream.comment('still here')
    vi.advanceTimersByTime(heartbeat * 2)
    const afterComment = writes.findIndex((write) => write.text === ': still here\n\n')
    const next = writes[afterComment + 1]!
    expect(next.text).toBe(':\n\n')
    expect(next.at - writes[afterComment]!.at).toBeLessThanOrEqual(heartbeat)
    expect(next.at - writes[afterComment]!.at).toBeGreaterThanOrEqual(earliest)
    expect(longestSilence(writes, Date.now())).toBeLessThanOrEqual(heartbeat)
  })

  it('sends nothing while writes come more often than the interval', async () => {
    const { stream, writes } = open()
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(Math.floor(earliest * 0.9))
      await stream.send({ data: String(i) })
    }
    expect(writes.filter((write) => write.text === ':\n\n')).toEqual([])
  })
})
