import { getEventListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, sleep, waitFor, type Listening } from '@ssekit/test-helpers/listen'
import { readEvents } from '@ssekit/test-helpers/read-events'
import { transports, type Served, type Transport } from '@ssekit/test-helpers/transports'
import {
  socketCloseDelay,
  startUpstream,
  type Upstream,
  type UpstreamHandler,
} from '@ssekit/test-helpers/upstream'
import { SseUpstreamError } from './errors.js'
import { createNodeSink } from '../sink/node-sink.js'
import type { SseRequestResult } from './options.js'
import { createSseStream, type SseStream } from '../stream/stream.js'

/** A promise the test opens when it is ready for the upstream to go on. */
interface Gate {
  readonly passed: Promise<void>
  open: () => void
}

function gate(): Gate {
  let open!: () => void
  const passed = new Promise<void>((resolve) => (open = resolve))
  return { passed, open }
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function serveUpstream(handler: UpstreamHandler): Promise<Upstream> {
  const upstream = await startUpstream(handler)
  cleanups.push(() => upstream.close())
  return upstream
}

describe.each(transports)('stream.request over $name', (transport: Transport) => {
  /** Serves streams that the test drives; returns the next server-side stream on demand. */
  async function serveStreams(): Promise<Served & { next: () => Promise<SseStream> }> {
    const streams: SseStream[] = []
    const served = await transport.serve((stream) => {
      streams.push(stream)
    })
    cleanups.push(() => served.close())
    return { ...served, next: () => waitFor(() => streams.shift(), 5000, 'a server-side stream') }
  }

  it('relays each event live, keeps event, data and id, and leaves the stream open', async () => {
    const second = gate()
    const upstream = await serveUpstream(async (call) => {
      await call.send({ event: 'delta', id: 'u1', data: 'Hel' })
      await second.passed
      await call.send({ data: 'lo\nworld' })
      call.end()
    })
    const { open, next } = await serveStreams()
    const opening = open()
    const stream = await next()
    const relay = stream.request({ url: upstream.url, forward: true })
    const client = await opening
    // The upstream sends its second event only once the client holds the first.
    expect(await client.reader.event(0)).toEqual({ event: 'delta', id: 'u1', data: 'Hel' })
    second.open()
    expect(await client.reader.event(1)).toEqual({
      event: undefined,
      id: undefined,
      data: 'lo\nworld',
    })
    expect(await relay).toEqual({
      events: [{ event: 'delta', id: 'u1', data: 'Hel' }, { data: 'lo\nworld' }],
      clientDisconnected: false,
    })
    expect(stream.clientDisconnected).toBe(false)
    await stream.send({ event: 'after' })
    expect(await client.reader.event(2)).toMatchObject({ event: 'after' })
  })

  it('closes the upstream within a second of the client leaving and resolves with the events so far', async () => {
    const upstream = await serveUpstream(async (call) => {
      for (let i = 0; await call.send({ id: String(i), data: `${i}` }); i++) await sleep(10)
    })
    const { open, next } = await serveStreams()
    const opening = open()
    const stream = await next()
    const relay = stream.request({ url: upstream.url, forward: true })
    const client = await opening
    await client.reader.event(2)
    const since = performance.now()
    await client.disconnect()
    const result = await relay
    expect(result.clientDisconnected).toBe(true)
    expect(result.events.length).toBeGreaterThanOrEqual(3)
    expect(result.events.map((event) => event.id)).toEqual(
      result.events.map((_event, i) => String(i))
    )
    expect(await socketCloseDelay(await upstream.call(0), since)).toBeLessThan(1000)
  })

  it('closes the upstream within a second of the client leaving before the first upstream byte', async () => {
    const upstream = await serveUpstream(async (call) => {
      call.open()
      await call.closed
    })
    const { open, next } = await serveStreams()
    const opening = open()
    const stream = await next()
    const relay = stream.request({ url: upstream.url, forward: true })
    const client = await opening
    const received = await upstream.call(0)
    const since = performance.now()
    await client.disconnect()
    expect(await relay).toEqual({ events: [], clientDisconnected: true })
    expect(await socketCloseDelay(received, since)).toBeLessThan(1000)
  })

  it('rejects an upstream failing mid-stream with exactly the events forwarded before it', async () => {
    const received = gate()
    const upstream = await serveUpstream(async (call) => {
      for (let i = 0; i < 3; i++) await call.send({ id: String(i), data: `${i}` })
      await received.passed
      call.destroy()
    })
    const { open, next } = await serveStreams()
    const opening = open()
    const stream = await next()
    const relay = stream.request({ url: upstream.url, forward: true })
    const client = await opening
    await client.reader.event(2)
    received.open()
    const error = await relay.catch((error: unknown) => error)
    expect(error).toBeInstanceOf(SseUpstreamError)
    expect(error).toMatchObject({ type: 'network' })
    const forwarded = (error as SseUpstreamError).events
    expect(forwarded.map((event) => event.id)).toEqual(['0', '1', '2'])
    // The stream is still the handler's: it can tell the client what happened.
    await stream.send({ event: 'upstream-error', data: 'x' })
    expect(await client.reader.event(3)).toMatchObject({ event: 'upstream-error' })
    expect(client.reader.events.map((event) => event.id ?? event.event)).toEqual([
      '0',
      '1',
      '2',
      'upstream-error',
    ])
  })

  it('removes its listener from the stream signal after each request', async () => {
    const upstream = await serveUpstream(async (call) => {
      await call.send({ data: call.path })
      call.end()
    })
    const { open, next } = await serveStreams()
    const opening = open()
    const stream = await next()
    stream.init()
    const client = await opening
    const before = getEventListeners(stream.signal, 'abort').length
    for (let i = 0; i < 30; i++) {
      await stream.request({ url: `${upstream.url}/${i}`, forward: i % 2 === 0 })
    }
    await stream.request({ url: `${upstream.url}/bad`, timeout: 1, idleTimeout: 1 }).catch(() => {})
    expect(getEventListeners(stream.signal, 'abort')).toHaveLength(before)
    await client.reader.event(14)
    expect(client.reader.events).toHaveLength(15)
  })
})

describe('stream.request over node:http', () => {
  /**
   * A server whose handler gets a stream over each request's `res`. What the handler of
   * request `index` returned (or threw) is `handled(index)`, for the test to assert on.
   */
  async function serveNode<Result>(
    handler: (stream: SseStream, res: import('node:http').ServerResponse) => Promise<Result>
  ): Promise<Listening & { handled: (index: number) => Promise<Result> }> {
    const runs: Promise<Result>[] = []
    const server = await listen((req, res) => {
      const run = handler(createSseStream(createNodeSink(req, res), { heartbeat: 0 }), res)
      // The test awaits it; until then a rejection is not an unhandled one.
      run.catch(() => undefined)
      runs.push(run)
    })
    cleanups.push(() => server.close())
    return { ...server, handled: (index) => runs[index]! }
  }

  it('starts the stream only after the upstream check, so a handler can answer with an error status', async () => {
    const upstream = await serveUpstream((call) => {
      call.open(503, { 'content-type': 'text/plain' })
      call.end('overloaded')
    })
    const server = await serveNode(async (stream, res) => {
      try {
        await stream.request({ url: upstream.url, forward: true })
      } catch (error) {
        const { status, body } = error as SseUpstreamError
        res.writeHead(502, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ status, body }))
      }
    })
    const response = await fetch(server.url)
    expect(response.status).toBe(502)
    expect(await response.json()).toEqual({ status: 503, body: 'overloaded' })
  })

  it('does not start the stream for a request that only collects', async () => {
    const upstream = await serveUpstream(async (call) => {
      await call.send({ data: 'a' })
      await call.send({ data: 'b' })
      call.end()
    })
    const server = await serveNode(async (stream, res) => {
      const { events } = await stream.request({ url: upstream.url })
      res.end(events.map((event) => event.data).join(','))
    })
    const response = await fetch(server.url)
    expect(response.headers.get('content-type') ?? '').not.toMatch(/event-stream/)
    expect(await response.text()).toBe('a,b')
  })

  it('closes the upstream within a second of the client leaving while the upstream sends no headers', async () => {
    const upstream = await serveUpstream((call) => call.closed)
    let relay: Promise<SseRequestResult> | undefined
    const server = await serveNode(async (stream) => {
      relay = stream.request({ url: upstream.url, forward: true })
      await relay
    })
    const abort = new AbortController()
    const response = fetch(server.url, { signal: abort.signal }).catch(() => undefined)
    const received = await upstream.call(0)
    const since = performance.now()
    abort.abort()
    await response
    expect(await socketCloseDelay(received, since)).toBeLessThan(1000)
    expect(await relay).toEqual({ events: [], clientDisconnected: true })
  })

  it('resolves at once without calling the upstream when the stream already ended', async () => {
    const upstream = await serveUpstream((call) => call.end())
    const server = await serveNode(async (stream) => {
      stream.init()
      stream.close()
      return stream.request({ url: upstream.url, forward: true })
    })
    await (await fetch(server.url)).text()
    // Had it called the upstream, it would have resolved only once the upstream answered.
    expect(await server.handled(0)).toEqual({ events: [], clientDisconnected: true })
    expect(upstream.calls).toHaveLength(0)
  })

  it('holds the upstream back while the client reads nothing, within bounded memory', async () => {
    const frame = { data: 'p'.repeat(4096) }
    const upstream = await serveUpstream(async (call) => {
      for (let i = 0; await call.send({ id: String(i), ...frame }); i++);
    })
    let relay: Promise<SseRequestResult> | undefined
    let downstream: import('node:http').ServerResponse | undefined
    const server = await serveNode(async (stream, res) => {
      downstream = res
      relay = stream.request({ url: upstream.url, forward: true, collect: false })
      return relay
    })
    const abort = new AbortController()
    const response = await fetch(server.url, { signal: abort.signal })
    const reader = readEvents(response.body!, true)
    const call = await upstream.call(0)
    // Held back at both ends at once: the response to the client waits for a drain (so the
    // relay reads no more) and the upstream's socket is full.
    await waitFor(
      () => call.blocked && downstream?.writableNeedDrain === true,
      15_000,
      'the upstream and the response to the client to be full'
    )
    const held = call.written
    // Loopback socket buffers, fetch's body queue and the downstream socket, no more.
    expect(held).toBeLessThan(32 * 1024 * 1024)
    reader.resume()
    await waitFor(() => call.written > held + 4 * 1024 * 1024, 10_000, 'the relay to resume')
    const seen = reader.events.slice(0, 500).map((event) => event.id)
    expect(seen).toEqual(seen.map((_id, i) => String(i)))
    abort.abort()
    expect((await relay)?.clientDisconnected).toBe(true)
  })
})
