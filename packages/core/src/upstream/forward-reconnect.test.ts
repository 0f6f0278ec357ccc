import { EventSource } from 'eventsource'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { listen, waitFor } from '@ssekit/test-helpers/listen'
import { transports, type Transport } from '@ssekit/test-helpers/transports'
import { startUpstream, type UpstreamHandler } from '@ssekit/test-helpers/upstream'
import { watchTimers } from '@ssekit/test-helpers/watch-timers'
import { createNodeSink } from '../sink/node-sink.js'
import type { SseRequestResult } from './options.js'
import { createSseStream, type SseStream } from '../stream/stream.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('a resilient relay', () => {
  it('gives an EventSource client every event once, in order, across upstream drops', async () => {
    const total = 12
    const received: { id: string; data: string }[] = []
    const errors: unknown[] = []
    // The upstream resumes after Last-Event-ID and breaks each connection after 4 events, once
    // the client holds them; the last connection stays open.
    const upstream = await startUpstream(async (call) => {
      const last = call.headers['last-event-id']
      const from = last === undefined ? 0 : Number(last) + 1
      const to = Math.min(from + 4, total)
      for (let i = from; i < to; i++) await call.send({ id: String(i), data: `event ${i}` })
      if (to === total) return call.closed
      await waitFor(() => received.at(-1)?.id === String(to - 1))
      await call.write(`id: ${to}\ndata: cut off`)
      call.destroy()
    })
    cleanups.push(() => upstream.close())
    let downstreamRequests = 0
    let relay: Promise<SseRequestResult> | undefined
    const server = await listen((req, res) => {
      downstreamRequests++
      const stream = createSseStream(createNodeSink(req, res), { heartbeat: 0 })
      relay = stream.request({
        url: upstream.url,
        forward: true,
        collect: false,
        reconnect: { initialDelay: 20 },
      })
    })
    cleanups.push(() => server.close())

    const source = new EventSource(server.url)
    cleanups.push(() => source.close())
    source.onmessage = (event: MessageEvent) => {
      received.push({ id: event.lastEventId, data: event.data as string })
    }
    source.onerror = (event) => errors.push(event)
    await waitFor(() => received.length >= total)

    expect(received).toEqual(
      Array.from({ length: total }, (_, i) => ({ id: String(i), data: `event ${i}` }))
    )
    expect(upstream.calls.map((call) => call.headers['last-event-id'])).toEqual([
      undefined,
      '3',
      '7',
    ])
    // Nothing the client could notice: no error, no reconnection of its own.
    expect(errors).toEqual([])
    expect(source.readyState).toBe(EventSource.OPEN)
    expect(downstreamRequests).toBe(1)
    source.close()
    expect((await relay)?.clientDisconnected).toBe(true)
  })
})

describe.each(transports)('a relay waiting to reconnect, over $name', (transport: Transport) => {
  it('ends within 100 ms when the client leaves, without another upstream request', async () => {
    let clientHas = false
    const upstream = await startUpstream((async (call) => {
      await call.write('retry: 10000\n\n')
      await call.send({ id: '1', data: 'only' })
      await waitFor(() => clientHas)
      call.destroy()
    }) satisfies UpstreamHandler)
    cleanups.push(() => upstream.close())
    let waiting!: () => void
    const waitStarted = new Promise<void>((resolve) => (waiting = resolve))
    const streams: SseStream[] = []
    const served = await transport.serve((stream) => {
      streams.push(stream)
    })
    cleanups.push(() => served.close())
    const opening = served.open()
    const stream = await waitFor(() => streams[0])
    const waits = watchTimers(10_000)
    const relay = stream.request({
      url: upstream.url,
      forward: true,
      reconnect: { onRetry: () => waiting() },
    })
    const client = await opening
    await client.reader.event(0)
    clientHas = true
    await waitStarted

    const since = performance.now()
    await client.disconnect()
    expect(await relay).toEqual({ events: [{ id: '1', data: 'only' }], clientDisconnected: true })
    expect(performance.now() - since).toBeLessThan(100)
    expect(waits).toMatchObject({ set: 1, pending: 0 })
    expect(upstream.calls).toHaveLength(1)
  })
})
