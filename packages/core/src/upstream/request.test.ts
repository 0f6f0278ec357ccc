import { getEventListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { waitFor } from '@ssekit/test-helpers/listen'
import {
  socketCloseDelay,
  upstreamPerTest,
  type UpstreamHandler,
} from '@ssekit/test-helpers/upstream'
import { SseUpstreamError } from './errors.js'
import { sseRequest } from './request.js'

const serve = upstreamPerTest()

/** Sends `count` events `e0`, `e1`… with ids, then ends. */
function events(count: number): UpstreamHandler {
  return async (call) => {
    for (let i = 0; i < count; i++) await call.send({ event: `e${i}`, id: String(i), data: `${i}` })
    call.end()
  }
}

describe('sseRequest', () => {
  it('collects every event in arrival order, with absent fields left out', async () => {
    const { url } = await serve(async (call) => {
      await call.write(': a comment, not an event\n\nretry: 1500\n\n')
      await call.write('data: plain\n\nevent: typed\ndata: a\ndata: b\n\nid: 7\ndata:\n\n')
      call.end('data: incomplete, never dispatched')
    })
    const result = await sseRequest({ url })
    expect(result).toEqual({
      events: [{ data: 'plain' }, { event: 'typed', data: 'a\nb' }, { id: '7', data: '' }],
      clientDisconnected: false,
    })
    expect(result).not.toHaveProperty('truncated')
    expect(Object.keys(result.events[0]!)).toEqual(['data'])
    expect(Object.keys(result.events[2]!)).toEqual(['data', 'id'])
  })

  it('stops collecting at maxEvents and reports the rest as truncated', async () => {
    const { url } = await serve(events(5))
    const result = await sseRequest({ url, maxEvents: 3 })
    expect(result.events.map((event) => event.id)).toEqual(['0', '1', '2'])
    expect(result.truncated).toBe(true)
  })

  it('collects nothing with collect: false, without reporting truncation', async () => {
    const { url } = await serve(events(5))
    expect(await sseRequest({ url, collect: false })).toEqual({
      events: [],
      clientDisconnected: false,
    })
  })

  it('maps, drops and redacts events with transform', async () => {
    const { url } = await serve(events(4))
    const { events: received } = await sseRequest({
      url,
      transform: (event) =>
        event.id === '1' ? null : { event: `renamed-${event.event ?? ''}`, data: '[redacted]' },
    })
    expect(received).toEqual([
      { event: 'renamed-e0', data: '[redacted]' },
      { event: 'renamed-e2', data: '[redacted]' },
      { event: 'renamed-e3', data: '[redacted]' },
    ])
  })

  it('rejects when transform returns something that is not an event, and closes the upstream', async () => {
    const { url, call } = await serve(async (call) => {
      await call.send({ data: 'x' })
      await call.closed
    })
    await expect(sseRequest({ url, transform: () => 'oops' as never })).rejects.toThrow(
      /"transform" must return an event/
    )
    expect(await socketCloseDelay(await call(0), performance.now())).toBeLessThan(1000)
  })

  it('rejects with the signal reason and closes the upstream socket before the first byte', async () => {
    const { url, call } = await serve(async (call) => {
      call.open()
      await call.closed
    })
    const abort = new AbortController()
    const request = sseRequest({ url, signal: abort.signal })
    const received = await call(0)
    const reason = new Error('user cancelled')
    const since = performance.now()
    abort.abort(reason)
    await expect(request).rejects.toBe(reason)
    expect(await socketCloseDelay(received, since)).toBeLessThan(1000)
  })

  it('rejects with the reason of an already aborted signal without a request', async () => {
    const { url, calls } = await serve(events(1))
    const reason = new Error('too late')
    await expect(sseRequest({ url, signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(calls).toHaveLength(0)
  })

  it('rejects a connection reset mid-stream with the events received before it', async () => {
    let received!: () => void
    const bothReceived = new Promise<void>((resolve) => (received = resolve))
    const { url } = await serve(async (call) => {
      await call.send({ id: '1', data: 'one' })
      await call.send({ id: '2', data: 'two' })
      await bothReceived
      await call.write('data: half an ev')
      call.destroy()
    })
    const error = await sseRequest({
      url,
      transform: (event) => {
        if (event.id === '2') received()
        return event
      },
    }).catch((error: unknown) => error)
    expect(error).toBeInstanceOf(SseUpstreamError)
    expect(error).toMatchObject({
      type: 'network',
      status: 200,
      contentType: 'text/event-stream',
      url: `${url}/`,
      events: [
        { id: '1', data: 'one' },
        { id: '2', data: 'two' },
      ],
    })
  })

  it('removes its listener from the caller signal when it ends', async () => {
    const { url } = await serve(async (call) => {
      await call.send({ data: 'x' })
      call.end()
    })
    const abort = new AbortController()
    for (let i = 0; i < 20; i++) await sseRequest({ url, signal: abort.signal })
    await sseRequest({ url: `${url}/missing`, signal: abort.signal, transform: () => null })
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0)
  })

  it('leaves the upstream free to end a keep-alive exchange normally', async () => {
    const { url, calls } = await serve(events(2))
    await sseRequest({ url })
    await sseRequest({ url })
    await waitFor(() => calls.length === 2)
    expect(calls[1]!.closedAt).toBeUndefined()
  })

  it("sends a caller's Last-Event-ID in any script as UTF-8, as browsers send it", async () => {
    const { url, calls } = await serve((call) => {
      call.end()
    })
    await sseRequest({ url, headers: { 'Last-Event-ID': '日本-1' } })
    const received = String(calls[0]!.headers['last-event-id'])
    expect(Buffer.from(received, 'latin1').toString('utf8')).toBe('日本-1')
  })
})
