import diagnostics from 'node:diagnostics_channel'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SinkListener, SseSink } from '../sink/sink.js'
import type { SseStreamEndMessage, SseStreamStartMessage } from './diagnostics.js'
import type { SseEndReason } from './monitor.js'
import type { SseStreamOptions } from './options.js'
import { createRefusedStream } from './refused-stream.js'
import { resolveStreamOptions } from './options.js'
import { createStreamGroup } from './stream-group.js'
import { createSseStream, type SseStream } from './stream.js'

/** A sink the test drives: it can leave, and refuse writes as a stuck client would. */
function drivenSink(): SseSink & { leave(): void; stuck: boolean } {
  let listener: SinkListener | undefined
  const sink = {
    stuck: false,
    keepAlive: true,
    lastEventId: undefined,
    get bufferedBytes() {
      return sink.stuck ? 1_000_000 : 0
    },
    connect: (each: SinkListener) => {
      listener = each
    },
    open: () => undefined,
    write: () => !sink.stuck,
    end: () => undefined,
    whenClosed: () => Promise.resolve(),
    leave: () => listener?.onClose(),
  }
  return sink
}

describe('stream diagnostics', () => {
  const seen: string[] = []
  const streams: SseStream[] = []
  /** The streams the messages named, to check they are the streams of the test. */
  const named: SseStream[] = []
  const onStart = (message: unknown): void => {
    named.push((message as SseStreamStartMessage).stream)
    seen.push('start')
  }
  const onEnd = (message: unknown): void => {
    const { stream, reason } = message as SseStreamEndMessage
    named.push(stream)
    seen.push(`end ${reason}`)
  }
  beforeEach(() => {
    diagnostics.subscribe('ssekit:stream:start', onStart)
    diagnostics.subscribe('ssekit:stream:end', onEnd)
  })
  afterEach(() => {
    diagnostics.unsubscribe('ssekit:stream:start', onStart)
    diagnostics.unsubscribe('ssekit:stream:end', onEnd)
    vi.useRealTimers()
    for (const stream of named) expect(streams).toContain(stream)
    seen.length = 0
    named.length = 0
    streams.length = 0
  })

  function open(options?: SseStreamOptions): {
    stream: SseStream
    sink: ReturnType<typeof drivenSink>
  } {
    const sink = drivenSink()
    const stream = createSseStream(sink, { heartbeat: 0, ...options })
    streams.push(stream)
    stream.init()
    return { stream, sink }
  }

  function expectEnd(reason: SseEndReason): void {
    expect(seen).toEqual(['start', `end ${reason}`])
  }

  it("publishes 'client-left' when the client leaves", () => {
    open().sink.leave()
    expectEnd('client-left')
  })

  it("publishes 'closed' when the app closes the stream", () => {
    open().stream.close()
    expectEnd('closed')
  })

  it("publishes 'slow-client' when a client falls too far behind", async () => {
    const { stream, sink } = open({ maxBufferedBytes: 10 })
    sink.stuck = true
    void stream.send({ data: 'first' })
    expect(await stream.send({ data: 'second' })).toEqual({ clientDisconnected: true })
    expectEnd('slow-client')
  })

  it("publishes 'send-timeout' when a send waits too long", async () => {
    vi.useFakeTimers()
    const { stream, sink } = open({ sendTimeout: 100 })
    sink.stuck = true
    const sent = stream.send({ data: 'x' })
    vi.advanceTimersByTime(100)
    expect(await sent).toEqual({ clientDisconnected: true })
    expectEnd('send-timeout')
  })

  it("publishes 'max-duration' when the stream reaches maxDuration", () => {
    vi.useFakeTimers()
    open({ maxDuration: 1000 })
    vi.advanceTimersByTime(1000)
    expectEnd('max-duration')
  })

  it("publishes 'shutdown' when closeAll ends the stream", async () => {
    const group = createStreamGroup()
    open({ group })
    await group.closeAll({ grace: 0 })
    expectEnd('shutdown')
  })

  it("publishes 'refused', without a start, when a limit refuses the stream", () => {
    streams.push(createRefusedStream(undefined, resolveStreamOptions({}), 503))
    expect(seen).toEqual(['end refused'])
  })

  it('publishes nothing for a stream that never started', () => {
    const sink = drivenSink()
    streams.push(createSseStream(sink))
    sink.leave()
    expect(seen).toEqual([])
  })
})
