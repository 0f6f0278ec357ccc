import { Readable } from 'node:stream'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { waitFor } from '@ssekit/test-helpers/listen'
import { startUpstream, type Upstream, type UpstreamHandler } from '@ssekit/test-helpers/upstream'
import { watchTimers } from '@ssekit/test-helpers/watch-timers'
import { SseTimeoutError, SseUpstreamError } from './errors.js'
import { sseEvents } from './iterate.js'
import {
  reconnectDelay,
  resolveReconnect,
  type SseGiveUpInfo,
  type SseRetryInfo,
} from './reconnect.js'
import type { UpstreamEvent } from '../event/upstream-event.js'
import type { SseOpenInfo, SseRequestOptions } from './options.js'
import { sseRequest } from './request.js'

let upstream: Upstream | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  await upstream?.close()
  upstream = undefined
})

async function serve(handler: UpstreamHandler): Promise<Upstream> {
  upstream = await startUpstream(handler)
  return upstream
}

/** The id of the last event the client received, set by the test's consumer. */
interface Seen {
  id: string | undefined
}

/** A transform recording each event's id in `seen`. */
const see =
  (seen: Seen) =>
  (event: UpstreamEvent): UpstreamEvent => {
    seen.id = event.id
    return event
  }

/**
 * An upstream of events `0`, `1`… `total - 1` (each id equal to its data) that resumes after
 * the request's `Last-Event-ID`, and breaks each connection after `perConnection` events,
 * half-way through the next one, once the client has seen them (a reset discards what the
 * client's fetch had not handed out yet). Once every event was sent it answers 204.
 */
function resumable(
  total: number,
  perConnection: number,
  seen: Seen,
  retry?: number
): UpstreamHandler {
  return async (call) => {
    const last = call.headers['last-event-id']
    const from = last === undefined ? 0 : Number(last) + 1
    if (from >= total) {
      call.open(204, {})
      call.end()
      return
    }
    if (retry !== undefined) await call.write(`retry: ${retry}\n\n`)
    const to = Math.min(from + perConnection, total)
    for (let i = from; i < to; i++) await call.send({ id: String(i), data: String(i) })
    if (to === total) {
      call.end()
      return
    }
    await waitFor(() => seen.id === String(to - 1), 5000, `the client to see event ${to - 1}`)
    // Cut off: this event must be dropped, and its id never sent back.
    await call.write(`id: ${to}\ndata: partial`)
    call.destroy()
  }
}

/** What a call did, in order: each connection opened, each event, each retry. */
type Step = ['open', string | undefined] | ['event', string | undefined] | ['retry', SseRetryInfo]

/** Options that record the call's steps into `steps`, and the events into `seen`. */
function recording(steps: Step[], seen: Seen): Partial<SseRequestOptions> {
  return {
    onOpen: (info: SseOpenInfo) => steps.push(['open', info.lastEventId]),
    transform: (event: UpstreamEvent) => {
      steps.push(['event', event.id])
      return see(seen)(event)
    },
    reconnect: { initialDelay: 10, onRetry: (info) => steps.push(['retry', info]) },
  }
}

const ids = (events: readonly UpstreamEvent[]): (string | undefined)[] =>
  events.map((event) => event.id)
const range = (count: number): string[] => Array.from({ length: count }, (_, i) => String(i))

describe('reconnectDelay', () => {
  const settings = resolveReconnect({ initialDelay: 100, maxDelay: 1000 }, 'GET', false).reconnect!

  it('doubles from initialDelay with jitter between half and all of it, up to maxDelay', () => {
    const bounds = [100, 200, 400, 800, 1000, 1000]
    bounds.forEach((full, i) => {
      expect(reconnectDelay(settings, i + 1, undefined, 0)).toBe(full / 2)
      expect(reconnectDelay(settings, i + 1, undefined, 0.9999)).toBe(full)
    })
  })

  it('honours the upstream retry exactly on a first attempt, then doubles it', () => {
    expect(reconnectDelay(settings, 1, 250, 0.5)).toBe(250)
    expect(reconnectDelay(settings, 2, 250, 0.5)).toBe(500)
    expect(reconnectDelay(settings, 1, 0, 0.5)).toBe(0)
    expect(reconnectDelay(settings, 2000, 0, 0.5)).toBe(0)
  })

  it('caps an enormous retry at maxDelay', () => {
    expect(reconnectDelay(settings, 1, 1e23, 0.5)).toBe(1000)
    expect(reconnectDelay(settings, 1, Infinity, 0.5)).toBe(1000)
  })
})

describe('reconnect option', () => {
  it.each<[string, unknown, RegExp]>([
    ['a string', 'yes', /"reconnect" must be a boolean or an object/],
    ['a negative maxAttempts', { maxAttempts: -1 }, /"reconnect.maxAttempts"/],
    ['a fractional maxAttempts', { maxAttempts: 1.5 }, /"reconnect.maxAttempts"/],
    ['a NaN maxElapsed', { maxElapsed: NaN }, /"reconnect.maxElapsed"/],
    ['an infinite initialDelay', { initialDelay: Infinity }, /"reconnect.initialDelay"/],
    ['a maxDelay past the timer range', { maxDelay: 2 ** 31 }, /"reconnect.maxDelay"/],
    ['a non-boolean resumeAfterEnd', { resumeAfterEnd: 1 }, /"reconnect.resumeAfterEnd"/],
    ['a non-boolean nonIdempotent', { nonIdempotent: 'y' }, /"reconnect.nonIdempotent"/],
    ['an onRetry that is no function', { onRetry: 1 }, /"reconnect.onRetry" must be a function/],
    ['an onGiveUp that is no function', { onGiveUp: {} }, /"reconnect.onGiveUp"/],
  ])('rejects %s with a TypeError before any request', async (_case, reconnect, message) => {
    let fetched = 0
    const options = {
      url: 'http://upstream.test/',
      reconnect,
      fetch: () => {
        fetched++
        return Promise.reject(new Error('no request expected'))
      },
    } as SseRequestOptions
    await expect(sseRequest(options)).rejects.toThrow(message)
    await expect(sseRequest(options)).rejects.toBeInstanceOf(TypeError)
    expect(() => sseEvents(options)).toThrow(message)
    expect(fetched).toBe(0)
  })

  it('accepts Infinity for maxAttempts and maxElapsed', () => {
    const { reconnect } = resolveReconnect(
      { maxAttempts: Infinity, maxElapsed: Infinity },
      'GET',
      false
    )
    expect(reconnect).toMatchObject({ maxAttempts: Infinity, maxElapsed: Infinity })
  })
})

describe('sseRequest with reconnect', () => {
  it('resumes from Last-Event-ID and collects every event exactly once, in order', async () => {
    const seen: Seen = { id: undefined }
    const { url, calls } = await serve(resumable(10, 3, seen))
    const steps: Step[] = []
    const { events } = await sseRequest({ url, ...recording(steps, seen) })
    expect(ids(events)).toEqual(range(10))
    // Three connections cut, the fourth ends the stream, the fifth is told 204.
    expect(calls.map((call) => call.headers['last-event-id'])).toEqual([
      undefined,
      '2',
      '5',
      '8',
      '9',
    ])
    // Each connection asked to resume after the last event received before it.
    let lastSeen: string | undefined
    for (const step of steps) {
      if (step[0] === 'event') lastSeen = step[1]
      if (step[0] === 'open') expect(step[1]).toBe(lastSeen)
    }
    const retries = steps.flatMap((step) => (step[0] === 'retry' ? [step[1]] : []))
    expect(retries.map((retry) => [retry.attempt, retry.reason])).toEqual([
      [1, 'network'],
      [1, 'network'],
      [1, 'network'],
      [1, 'end'],
    ])
    expect(retries[0]!.error).toBeInstanceOf(SseUpstreamError)
  })

  it('sends the last event id, and no header after an empty id', async () => {
    const { url, calls } = await serve(async (call) => {
      if (calls.length === 1) {
        await call.send({ id: '1', data: 'one' })
        await call.send({ id: 'checkpoint-7', data: 'seven' })
        call.end()
      } else if (calls.length === 2) {
        await call.write('id\ndata: two\n\n')
        call.end()
      } else {
        call.open(204, {})
        call.end()
      }
    })
    const { events } = await sseRequest({ url, reconnect: { initialDelay: 10 } })
    expect(events).toEqual([
      { id: '1', data: 'one' },
      { id: 'checkpoint-7', data: 'seven' },
      { id: '', data: 'two' },
    ])
    expect(calls.map((call) => call.headers['last-event-id'])).toEqual([
      undefined,
      'checkpoint-7',
      undefined,
    ])
  })

  it('waits the retry the upstream asked for', async () => {
    const seen: Seen = { id: undefined }
    const { url, calls } = await serve(resumable(4, 2, seen, 250))
    const delays: number[] = []
    const { events } = await sseRequest({
      url,
      transform: see(seen),
      reconnect: { initialDelay: 5000, onRetry: (info) => delays.push(info.delay) },
    })
    expect(ids(events)).toEqual(range(4))
    expect(delays).toEqual([250, 250])
    const dropped = calls[0]!.closedAt!
    const reconnected = await waitFor(() => calls[1]?.arrivedAt)
    expect(reconnected - dropped).toBeGreaterThanOrEqual(245)
    expect(reconnected - dropped).toBeLessThan(250 + 1000)
  })

  it('backs off exponentially within its bounds, then gives up with the last error', async () => {
    const { url, calls } = await serve((call) => call.destroy())
    const retries: SseRetryInfo[] = []
    const giveUps: SseGiveUpInfo[] = []
    const error = await sseRequest({
      url,
      reconnect: {
        initialDelay: 40,
        maxDelay: 150,
        maxAttempts: 4,
        onRetry: (info) => retries.push(info),
        onGiveUp: (info) => giveUps.push(info),
      },
    }).catch((error: unknown) => error)
    expect(error).toBeInstanceOf(SseUpstreamError)
    expect(error).toMatchObject({ type: 'network', status: 0 })
    expect(calls).toHaveLength(5)
    const bounds = [40, 80, 150, 150]
    retries.forEach((retry, i) => {
      expect(retry).toMatchObject({ attempt: i + 1, reason: 'network' })
      expect(retry.delay).toBeGreaterThanOrEqual(bounds[i]! / 2)
      expect(retry.delay).toBeLessThanOrEqual(bounds[i]!)
      const waited = calls[i + 1]!.arrivedAt - calls[i]!.arrivedAt
      expect(waited).toBeGreaterThanOrEqual(retry.delay - 5)
      expect(waited).toBeLessThan(retry.delay + 1000)
    })
    expect(giveUps).toEqual([{ reason: 'attempts', attempts: 4, error }])
  })

  it('gives up once the next attempt would start after maxElapsed', async () => {
    const { url, calls } = await serve((call) => call.destroy())
    const giveUps: SseGiveUpInfo[] = []
    const started = performance.now()
    await expect(
      sseRequest({
        url,
        reconnect: {
          initialDelay: 100,
          maxAttempts: Infinity,
          maxElapsed: 400,
          onGiveUp: (info) => giveUps.push(info),
        },
      })
    ).rejects.toMatchObject({ type: 'network' })
    expect(performance.now() - started).toBeLessThan(400 + 1000)
    expect(giveUps[0]).toMatchObject({ reason: 'elapsed' })
    // 50–100, 100–200, then 200–400 would pass 400 ms: two or three attempts in all.
    expect(calls.length).toBeGreaterThanOrEqual(3)
    expect(calls.length).toBeLessThanOrEqual(4)
  })

  it('retries a first connection that fails, and counts a working connection as progress', async () => {
    let refuse = 2
    const seen: Seen = { id: undefined }
    const { url, calls } = await serve(async (call) => {
      if (refuse-- > 0) {
        call.destroy()
        return
      }
      await resumable(6, 2, seen)(call)
    })
    const retries: SseRetryInfo[] = []
    const { events } = await sseRequest({
      url,
      transform: see(seen),
      reconnect: { initialDelay: 10, maxAttempts: 2, onRetry: (info) => retries.push(info) },
    })
    expect(ids(events)).toEqual(range(6))
    // Two failures in a row used up maxAttempts; each later drop starts the count over.
    expect(retries.map((retry) => retry.attempt)).toEqual([1, 2, 1, 1, 1])
    expect(calls).toHaveLength(6)
  })

  it.each<[string, (call: Parameters<UpstreamHandler>[0]) => void, object]>([
    [
      'a 503',
      (call) => {
        call.open(503, { 'content-type': 'text/plain' })
        call.end('deploying')
      },
      { type: 'status', status: 503, body: 'deploying' },
    ],
    [
      'a 401',
      (call) => {
        call.open(401, { 'content-type': 'application/json' })
        call.end('{}')
      },
      { type: 'status', status: 401 },
    ],
    [
      'a wrong media type',
      (call) => {
        call.open(200, { 'content-type': 'text/html' })
        call.end('<html>')
      },
      { type: 'media-type', contentType: 'text/html' },
    ],
  ])(
    'stops at %s on reconnection with that error and the events so far',
    async (_case, answer, fields) => {
      const seen: Seen = { id: undefined }
      const { url, calls } = await serve(async (call) => {
        if (calls.length === 1) await resumable(5, 2, seen)(call)
        else answer(call)
      })
      const giveUps: SseGiveUpInfo[] = []
      const error = await sseRequest({
        url,
        transform: see(seen),
        reconnect: { initialDelay: 10, onGiveUp: (info) => giveUps.push(info) },
      }).catch((error: unknown) => error)
      expect(error).toBeInstanceOf(SseUpstreamError)
      expect(error).toMatchObject({ ...fields, events: [{ id: '0' }, { id: '1' }] })
      expect(calls).toHaveLength(2)
      expect(giveUps).toEqual([{ reason: 'final', attempts: 1, error }])
    }
  )

  it('ends normally when a reconnection is answered 204', async () => {
    const { url, calls } = await serve(resumable(3, 3, { id: undefined }))
    const giveUps: SseGiveUpInfo[] = []
    const result = await sseRequest({
      url,
      reconnect: { initialDelay: 10, onGiveUp: (info) => giveUps.push(info) },
    })
    expect(result).toEqual({
      events: range(3).map((id) => ({ id, data: id })),
      clientDisconnected: false,
    })
    expect(calls.map((call) => call.headers['last-event-id'])).toEqual([undefined, '2'])
    expect(giveUps).toEqual([])
  })

  it('ends normally once the bounds run out on an upstream that keeps ending with nothing', async () => {
    const { url, calls } = await serve(async (call) => {
      if (calls.length === 1) await call.send({ id: '1', data: 'one' })
      call.end()
    })
    const giveUps: SseGiveUpInfo[] = []
    const result = await sseRequest({
      url,
      reconnect: { initialDelay: 10, maxAttempts: 2, onGiveUp: (info) => giveUps.push(info) },
    })
    expect(result).toEqual({ events: [{ id: '1', data: 'one' }], clientDisconnected: false })
    expect(calls.map((call) => call.headers['last-event-id'])).toEqual([undefined, '1', '1'])
    expect(giveUps).toEqual([{ reason: 'attempts', attempts: 2 }])
  })

  it('tells onOpen the status, headers and reconnections of each connection', async () => {
    const seen: Seen = { id: undefined }
    const { url } = await serve(async (call) => {
      call.res.setHeader('x-upstream', 'yes')
      await resumable(6, 2, seen)(call)
    })
    const opens: SseOpenInfo[] = []
    await sseRequest({
      url,
      transform: see(seen),
      onOpen: (info) => opens.push(info),
      reconnect: { initialDelay: 10 },
    })
    expect(
      opens.map(({ status, headers, reconnects, lastEventId }) => ({
        status,
        upstream: headers.get('x-upstream'),
        reconnects,
        lastEventId,
      }))
    ).toEqual([
      { status: 200, upstream: 'yes', reconnects: 0, lastEventId: undefined },
      { status: 200, upstream: 'yes', reconnects: 1, lastEventId: '1' },
      { status: 200, upstream: 'yes', reconnects: 2, lastEventId: '3' },
    ])
  })

  it('ends with the stream when resumeAfterEnd is off', async () => {
    const { url, calls } = await serve(resumable(3, 3, { id: undefined }))
    const { events } = await sseRequest({ url, reconnect: { resumeAfterEnd: false } })
    expect(ids(events)).toEqual(range(3))
    expect(calls).toHaveLength(1)
  })

  it('reconnects after idleTimeout, with reason timeout', async () => {
    const { url, calls } = await serve(async (call) => {
      if (calls.length === 1) {
        await call.send({ id: 'a', data: 'before the stall' })
        await call.closed
      } else {
        await call.send({ id: 'b', data: 'after' })
        call.end()
      }
    })
    const retries: SseRetryInfo[] = []
    const { events } = await sseRequest({
      url,
      idleTimeout: 100,
      reconnect: {
        initialDelay: 10,
        resumeAfterEnd: false,
        onRetry: (info) => retries.push(info),
      },
    })
    expect(ids(events)).toEqual(['a', 'b'])
    expect(retries[0]).toMatchObject({ reason: 'timeout', lastEventId: 'a' })
    expect(retries[0]!.error).toBeInstanceOf(SseTimeoutError)
    expect(calls[1]!.headers['last-event-id']).toBe('a')
  })

  it('does not repeat a POST unless nonIdempotent is set, and resends its body when it is', async () => {
    const seen: Seen = { id: undefined }
    const { url, calls } = await serve(resumable(4, 2, seen))
    const body = { q: 'hi' }
    const transform = see(seen)
    await expect(
      sseRequest({ url, method: 'POST', body, transform, reconnect: { initialDelay: 10 } })
    ).rejects.toMatchObject({ type: 'network', events: [{ id: '0' }, { id: '1' }] })
    expect(calls).toHaveLength(1)

    seen.id = undefined
    const { events } = await sseRequest({
      url,
      method: 'POST',
      body,
      transform,
      reconnect: { initialDelay: 10, nonIdempotent: true },
    })
    expect(ids(events)).toEqual(range(4))
    expect(calls.slice(1).map((call) => [call.method, call.text])).toEqual([
      ['POST', '{"q":"hi"}'],
      ['POST', '{"q":"hi"}'],
      ['POST', '{"q":"hi"}'],
    ])
  })

  it('never repeats a request whose body is a stream', async () => {
    const seen: Seen = { id: undefined }
    const { url, calls } = await serve(resumable(4, 2, seen))
    const records: string[] = []
    await expect(
      sseRequest({
        url,
        transform: see(seen),
        method: 'PUT',
        body: Readable.from([Buffer.from('once')]),
        reconnect: { initialDelay: 10, nonIdempotent: true },
        debug: (message, details) => records.push(`${message} ${JSON.stringify(details)}`),
      })
    ).rejects.toMatchObject({ type: 'network' })
    expect(calls).toHaveLength(1)
    expect(records[0]).toMatch(/^reconnect-off .*streamed body/)
  })

  it('logs each retry and the give-up, with credentials redacted', async () => {
    const seen: Seen = { id: undefined }
    const { url, calls } = await serve(async (call) => {
      if (calls.length > 1) {
        call.destroy()
        return
      }
      call.open(200, { 'content-type': 'text/event-stream', 'set-cookie': 'sid=SECRET-cookie' })
      await call.send({ id: '1', data: 'x' })
      await waitFor(() => seen.id === '1')
      call.destroy()
    })
    const records: { message: string; details?: Record<string, unknown> }[] = []
    await expect(
      sseRequest({
        url,
        transform: see(seen),
        headers: { Authorization: 'Bearer SECRET-token' },
        reconnect: { initialDelay: 10, maxAttempts: 1 },
        debug: (message, details) => records.push({ message, details }),
      })
    ).rejects.toMatchObject({ type: 'network' })
    expect(records.map((record) => record.message)).toEqual([
      'request',
      'response',
      'event',
      'error',
      'retry',
      'request',
      'error',
      'give-up',
    ])
    expect(records[4]!.details).toMatchObject({
      attempt: 1,
      reason: 'network',
      lastEventId: '1',
      delay: expect.any(Number),
    })
    expect(records[5]!.details).toMatchObject({ headers: { 'last-event-id': '1' } })
    expect(records[1]!.details).toMatchObject({ headers: { 'set-cookie': '[redacted]' } })
    expect(records.at(-1)!.details).toMatchObject({ reason: 'attempts', attempts: 1 })
    expect(JSON.stringify(records)).not.toContain('SECRET')
  })
})

describe('cancelling during a reconnection wait', () => {
  /**
   * An upstream that asks for a 10 s reconnection delay, sends one event and drops the
   * connection once the client saw it.
   */
  const dropping =
    (seen: Seen): UpstreamHandler =>
    async (call) => {
      await call.write('retry: 10000\n\n')
      await call.send({ id: '1', data: 'x' })
      await waitFor(() => seen.id === '1')
      call.destroy()
    }

  it('rejects with the signal reason within 100 ms and leaves no timer or request behind', async () => {
    const seen: Seen = { id: undefined }
    const { url, calls } = await serve(dropping(seen))
    const waits = watchTimers(10_000)
    const abort = new AbortController()
    let waiting!: () => void
    const waitStarted = new Promise<void>((resolve) => (waiting = resolve))
    const request = sseRequest({
      url,
      signal: abort.signal,
      transform: see(seen),
      reconnect: { onRetry: () => waiting() },
    })
    await waitStarted
    const reason = new Error('user left')
    const since = performance.now()
    abort.abort(reason)
    await expect(request).rejects.toBe(reason)
    expect(performance.now() - since).toBeLessThan(100)
    expect(waits).toMatchObject({ set: 1, pending: 0 })
    expect(calls).toHaveLength(1)
  })

  it('ends sseEvents within 100 ms when return() is called during the wait', async () => {
    const seen: Seen = { id: undefined }
    const { url, calls } = await serve(dropping(seen))
    const waits = watchTimers(10_000)
    let waiting!: () => void
    const waitStarted = new Promise<void>((resolve) => (waiting = resolve))
    const events = sseEvents({
      url,
      transform: see(seen),
      reconnect: { onRetry: () => waiting() },
    })
    expect((await events.next()).value).toEqual({ id: '1', data: 'x' })
    const pending = events.next()
    await waitStarted
    const since = performance.now()
    await events.return?.()
    expect(await pending).toEqual({ done: true, value: undefined })
    expect(performance.now() - since).toBeLessThan(100)
    expect(waits).toMatchObject({ set: 1, pending: 0 })
    expect(calls).toHaveLength(1)
  })
})

describe('sseEvents with reconnect', () => {
  it('yields every event once across drops and ends on 204', async () => {
    const seen: Seen = { id: undefined }
    const { url } = await serve(resumable(7, 2, seen))
    const received: (string | undefined)[] = []
    for await (const event of sseEvents({ url, reconnect: { initialDelay: 10 } })) {
      received.push(event.id)
      seen.id = event.id
    }
    expect(received).toEqual(range(7))
  })
})
