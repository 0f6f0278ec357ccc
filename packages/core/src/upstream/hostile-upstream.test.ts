import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { sleep, waitFor } from '@ssekit/test-helpers/listen'
import {
  socketCloseDelay,
  upstreamPerTest,
  type UpstreamHandler,
} from '@ssekit/test-helpers/upstream'
import { SseTimeoutError, SseUpstreamError } from './errors.js'
import { sseEvents } from './iterate.js'
import { reconnectDelay, resolveReconnect, type SseRetryInfo } from './reconnect.js'
import { DEFAULT_EVENT_TIMEOUT_MS, DEFAULT_MAX_EVENT_SIZE } from './options.js'
import { sseRequest } from './request.js'

const serve = upstreamPerTest()

describe('an upstream that never sends a newline', () => {
  it('fails with event-too-large at the default maxEventSize and closes the connection', async () => {
    const { url, call } = await serve(async (call) => {
      await call.write('data: ')
      const block = 'z'.repeat(64 * 1024)
      while (await call.write(block));
    })
    const error = await sseRequest({ url }).catch((error: unknown) => error)
    expect(error).toBeInstanceOf(SseUpstreamError)
    expect(error).toMatchObject({ type: 'event-too-large', status: 200 })
    const received = await call(0)
    expect(await socketCloseDelay(received, performance.now())).toBeLessThan(1000)
    // The default bound, plus what was in flight: not the endless stream.
    expect(received.written).toBeGreaterThan(DEFAULT_MAX_EVENT_SIZE)
    expect(received.written).toBeLessThan(DEFAULT_MAX_EVENT_SIZE + 16 * 1024 * 1024)
  })
})

describe('an upstream that sends endless tiny events', () => {
  /** `data: n` frames as fast as the socket takes them, until it closes. */
  const flood: UpstreamHandler = async (call) => {
    for (let i = 0; ; i += 100) {
      let text = ''
      for (let j = i; j < i + 100; j++) text += `data: ${j}\n\n`
      if (!(await call.write(text))) return
    }
  }

  it('collects no more than maxEvents', async () => {
    const { url } = await serve(async (call) => {
      let text = ''
      for (let i = 0; i < 200_000; i++) text += 'data:\n\n'
      await call.write(text)
      call.end()
    })
    const result = await sseRequest({ url, maxEvents: 1000 })
    expect(result.events).toHaveLength(1000)
    expect(result.truncated).toBe(true)
  })

  it('holds the upstream back while the iterator is not pulled', async () => {
    const { url, call } = await serve(flood)
    const events = sseEvents({ url })
    for (let i = 0; i < 10; i++) expect((await events.next()).value).toEqual({ data: String(i) })
    const received = await call(0)
    let held = -1
    for (let polls = 0; !(received.blocked && received.written === held); polls++) {
      if (polls === 50) throw new Error('The upstream was never held back.')
      held = received.written
      await sleep(100)
    }
    // Socket buffers and the fetch body's queue: megabytes, not the flood.
    expect(held).toBeLessThan(32 * 1024 * 1024)
    await events.return?.()
    expect(await socketCloseDelay(received, performance.now())).toBeLessThan(1000)
  })
})

describe('an upstream that sends invalid UTF-8', () => {
  it('gets U+FFFD for each bad sequence, as EventSource does, and goes on', async () => {
    const bytes = Buffer.concat([
      Buffer.from('data: a'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('b\n\nevent: '),
      Buffer.from([0xc0, 0xaf]), // an overlong "/"
      Buffer.from('\ndata: '),
      Buffer.from([0xe2, 0x82]), // "€" without its last byte
      Buffer.from('\n\nid: '),
      Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate
      Buffer.from('\ndata: after\n\ndata: intact €😀\n\n'),
    ])
    const { url } = await serve((call) => call.end(bytes as never))
    const { events } = await sseRequest({ url })
    expect(events).toEqual([
      { data: 'a\uFFFD\uFFFDb' },
      { event: '\uFFFD\uFFFD', data: '\uFFFD' },
      { id: '\uFFFD\uFFFD\uFFFD', data: 'after' },
      { data: 'intact €😀' },
    ])
  })

  it('sends a non-ASCII id back as UTF-8 bytes when reconnecting', async () => {
    const { url, calls } = await serve(async (call) => {
      if (calls.length === 1) {
        await call.send({ id: '€1-😀', data: 'x' })
        call.end()
      } else {
        call.open(204, {})
        call.end()
      }
    })
    await sseRequest({ url, reconnect: { initialDelay: 10 } })
    const header = String(calls[1]!.headers['last-event-id'])
    // Node reads header bytes as latin1; the bytes are the id's UTF-8.
    expect(Buffer.from(header, 'latin1').toString('utf8')).toBe('€1-😀')
  })
})

describe('an upstream that sends an enormous retry', () => {
  const enormous = 'retry: 99999999999999999999999999\n\n'

  it('is capped at maxDelay, 30 s by default', () => {
    const defaults = resolveReconnect(true, 'GET', false).reconnect!
    expect(reconnectDelay(defaults, 1, 1e26)).toBe(30_000)
  })

  it('reconnects after maxDelay, neither at once nor never', async () => {
    let clientHas = false
    const { url, calls } = await serve(async (call) => {
      if (calls.length > 1) {
        call.open(204, {})
        call.end()
        return
      }
      await call.write(enormous)
      await call.send({ id: '1', data: 'x' })
      await waitFor(() => clientHas)
      call.destroy()
    })
    const retries: SseRetryInfo[] = []
    await sseRequest({
      url,
      transform: (event) => {
        clientHas = true
        return event
      },
      reconnect: { maxDelay: 300, onRetry: (info) => retries.push(info) },
    })
    expect(retries.map((retry) => retry.delay)).toEqual([300])
    const waited = calls[1]!.arrivedAt - calls[0]!.closedAt!
    expect(waited).toBeGreaterThanOrEqual(295)
    expect(waited).toBeLessThan(300 + 1000)
  })

  it('is harmless without reconnect', async () => {
    const { url } = await serve(async (call) => {
      await call.write(enormous)
      await call.send({ data: 'x' })
      call.end()
    })
    expect((await sseRequest({ url })).events).toEqual([{ data: 'x' }])
  })
})

describe('an upstream that trickles one byte per second', () => {
  it('fails with eventTimeout (60 s by default), which idleTimeout cannot catch', async () => {
    expect(DEFAULT_EVENT_TIMEOUT_MS).toBe(60_000)
    const { url, call, calls } = await serve(async (call) => {
      call.open()
      for (const byte of 'data: a slow event\n\n') {
        if (!(await call.write(byte))) return
        await sleep(1000)
      }
    })
    const started = performance.now()
    const error = await sseRequest({
      url,
      idleTimeout: 2000,
      eventTimeout: 1500,
      reconnect: { initialDelay: 10 },
    }).catch((error: unknown) => error)
    const elapsed = performance.now() - started
    expect(error).toBeInstanceOf(SseTimeoutError)
    expect(error).toMatchObject({ phase: 'event', timeout: 1500 })
    expect((error as Error).message).toMatch(/eventTimeout/)
    expect(elapsed).toBeGreaterThanOrEqual(1400)
    expect(elapsed).toBeLessThan(1500 + 1000)
    expect(await socketCloseDelay(await call(0), performance.now())).toBeLessThan(1000)
    // A trickle is not a drop: reconnecting would only trickle again.
    expect(calls).toHaveLength(1)
  })

  it('lets a slow but steady stream of complete events through', async () => {
    const { url } = await serve(async (call) => {
      call.open()
      for (let i = 0; i < 6; i++) {
        await call.write(`data: ${i}\n\n`)
        await sleep(60)
      }
      call.end()
    })
    const { events } = await sseRequest({ url, eventTimeout: 100 })
    expect(events).toHaveLength(6)
  })
})
