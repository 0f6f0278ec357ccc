import { afterEach, describe, expect, it, vi } from 'vitest'
import type { SinkListener, SseSink } from '../sink/sink.js'
import type { SseEndReason } from './monitor.js'
import { resolveStreamOptions, type SseStreamOptions } from './options.js'
import { createRefusedStream } from './refused-stream.js'
import { createStreamGroup } from './stream-group.js'
import { createSseStream, type SseStream } from './stream.js'

interface LogRecord {
  readonly message: string
  readonly details: Record<string, unknown>
}

/** A sink the test drives: it can leave, and hold writes back as a slow client would. */
function drivenSink(): SseSink & { leave(): void; drain(): void; buffered: number } {
  let listener: SinkListener | undefined
  const sink = {
    buffered: 0,
    keepAlive: true,
    lastEventId: undefined,
    get bufferedBytes() {
      return sink.buffered
    },
    connect: (each: SinkListener) => {
      listener = each
    },
    open: () => undefined,
    write: () => sink.buffered === 0,
    end: () => undefined,
    whenClosed: () => Promise.resolve(),
    leave: () => listener?.onClose(),
    drain: () => {
      sink.buffered = 0
      listener?.onDrain()
    },
  }
  return sink
}

const SECRET = 'SECRET-value-42'

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})

/** Opens a stream that logs into `records`, with records' `ms` left out. */
function logged(options?: SseStreamOptions): {
  stream: SseStream
  sink: ReturnType<typeof drivenSink>
  records: LogRecord[]
} {
  const records: LogRecord[] = []
  const sink = drivenSink()
  const stream = createSseStream(sink, {
    heartbeat: 0,
    debug: (message, details = {}) => {
      expect(details.ms).toEqual(expect.any(Number))
      const { ms: _ms, stream: number, ...rest } = details
      expect(number).toEqual(expect.any(Number))
      records.push({ message, details: rest })
    },
    ...options,
  })
  return { stream, sink, records }
}

describe('stream debug log', () => {
  it('logs the start with status and headers, credentials redacted', () => {
    const { stream, records } = logged({
      headers: { 'X-Api-Key': SECRET, 'Set-Cookie': `sid=${SECRET}`, 'X-Region': 'eu' },
    })
    stream.init()
    expect(records).toEqual([
      {
        message: 'stream-open',
        details: {
          status: 200,
          headers: {
            'cache-control': 'no-cache',
            connection: 'keep-alive',
            'content-type': 'text/event-stream; charset=utf-8',
            'set-cookie': '[redacted]',
            'x-accel-buffering': 'no',
            'x-api-key': '[redacted]',
            'x-region': 'eu',
          },
        },
      },
    ])
  })

  it('logs each send with its type and size but never its data or id', async () => {
    const { stream, records } = logged()
    await stream.send({ event: 'delta', id: SECRET, data: SECRET })
    await stream.send({ data: 'hé' })
    await stream.comment(SECRET)
    expect(records.slice(1)).toEqual([
      { message: 'stream-send', details: { type: 'delta', bytes: 56, clientLeft: false } },
      { message: 'stream-send', details: { type: 'message', bytes: 11, clientLeft: false } },
      { message: 'stream-send', details: { type: 'comment', bytes: 19, clientLeft: false } },
    ])
    expect(JSON.stringify(records)).not.toContain(SECRET)
  })

  it('logs a send made after the client left as not sent', async () => {
    const { stream, sink, records } = logged()
    stream.init()
    sink.leave()
    expect(await stream.send({ event: 'late', data: SECRET })).toEqual({ clientDisconnected: true })
    expect(records.slice(1)).toEqual([
      { message: 'stream-end', details: { reason: 'client-left', events: 0, bytes: 0 } },
      { message: 'stream-send', details: { type: 'late', bytes: 35, clientLeft: true } },
    ])
  })

  it('logs a write that waits on the client, and how long it waited', async () => {
    vi.useFakeTimers()
    const { stream, sink, records } = logged()
    stream.init()
    sink.buffered = 20_000
    const sent = stream.send({ data: 'x' })
    vi.advanceTimersByTime(250)
    sink.drain()
    await sent
    expect(records.slice(1)).toEqual([
      { message: 'stream-send', details: { type: 'message', bytes: 9, clientLeft: false } },
      { message: 'stream-backpressure', details: { bufferedBytes: 20_000 } },
      { message: 'stream-drain', details: { waited: 250 } },
    ])
  })

  const ends: [SseEndReason, (run: ReturnType<typeof logged>) => Promise<void> | void][] = [
    ['client-left', ({ sink }) => sink.leave()],
    ['closed', ({ stream }) => stream.close()],
    [
      'slow-client',
      async ({ stream, sink }) => {
        sink.buffered = 1_000_000
        void stream.send({ data: 'first' })
        await stream.send({ data: 'second' })
      },
    ],
    [
      'send-timeout',
      async ({ stream, sink }) => {
        sink.buffered = 10
        const sent = stream.send({ data: 'first' })
        vi.advanceTimersByTime(30_000)
        await sent
      },
    ],
    ['max-duration', () => void vi.advanceTimersByTime(60_000)],
  ]

  it.each(ends)("logs the end with reason '%s'", async (reason, end) => {
    vi.useFakeTimers()
    const run = logged({ maxDuration: 60_000, maxBufferedBytes: 100 })
    run.stream.init()
    await end(run)
    const last = run.records.at(-1)
    expect(last?.message).toBe('stream-end')
    expect(last?.details.reason).toBe(reason)
    expect(run.records.filter((record) => record.message === 'stream-end')).toHaveLength(1)
  })

  it("logs the end with reason 'shutdown' when closeAll ends the stream", async () => {
    const group = createStreamGroup()
    const { stream, records } = logged({ group })
    await stream.send({ data: 'one' })
    await group.closeAll({ grace: 0 })
    expect(records.at(-1)).toEqual({
      message: 'stream-end',
      details: { reason: 'shutdown', events: 1, bytes: 11 },
    })
  })

  it.each([503, 429])(
    "logs a stream refused with %i as one end with reason 'refused', and no start",
    (status) => {
      const records: LogRecord[] = []
      const options = resolveStreamOptions({
        debug: (message, { ms: _ms, stream: _stream, ...details } = {}) =>
          records.push({ message, details }),
      })
      createRefusedStream(undefined, options, status)
      expect(records).toEqual([{ message: 'stream-end', details: { reason: 'refused', status } }])
    }
  )

  it('switches on for one stream in init()', async () => {
    const { stream, records } = logged({ debug: false })
    const seen: string[] = []
    stream.init({ debug: (message) => seen.push(message) })
    await stream.send({ data: 'x' })
    expect(records).toEqual([])
    expect(seen).toEqual(['stream-open', 'stream-send'])
  })

  it('switches off for one stream in init(), which still counts in its group', async () => {
    const group = createStreamGroup()
    const { stream, records } = logged({ group })
    stream.init({ debug: false })
    await stream.send({ data: 'x' })
    stream.close()
    expect(records).toEqual([])
    expect(group.stats()).toMatchObject({ started: 1, eventsSent: 1, ended: { closed: 1 } })
  })

  it('writes to console.debug with the [ssekit] prefix for debug: true and for NODE_DEBUG', () => {
    const lines: string[] = []
    vi.spyOn(console, 'debug').mockImplementation((line: string) => lines.push(line))
    createSseStream(drivenSink(), { heartbeat: 0, debug: true }).init().close()
    vi.stubEnv('NODE_DEBUG', 'http,ssekit')
    createSseStream(drivenSink(), { heartbeat: 0 }).init().close()
    createSseStream(drivenSink()).init().close()
    expect(lines).toHaveLength(6)
    for (const line of lines) expect(line).toMatch(/^\[ssekit\] stream-(open|end) \{"stream":\d+/)
  })

  it('logs nothing and keeps counting when debug is off', async () => {
    const lines: string[] = []
    vi.spyOn(console, 'debug').mockImplementation((line: string) => lines.push(line))
    const group = createStreamGroup()
    const stream = createSseStream(drivenSink(), { heartbeat: 0, group })
    await stream.send({ data: 'x' })
    stream.close()
    expect(lines).toEqual([])
    expect(group.stats()).toMatchObject({ started: 1, eventsSent: 1, ended: { closed: 1 } })
  })

  it('refuses a debug option that is neither a boolean nor a function', () => {
    expect(() => createSseStream(drivenSink(), { debug: 'yes' as never })).toThrow(
      /The option "debug" must be a boolean or a function/
    )
  })
})
