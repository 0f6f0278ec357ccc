import { EventSource } from 'eventsource'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import * as core from '@ssekit/core'
import * as expressAdapter from '@ssekit/express'
import * as fastifyAdapter from '@ssekit/fastify'
import * as honoAdapter from '@ssekit/hono'
import * as koaAdapter from '@ssekit/koa'
import type { SendResult, SseRequestResult } from '@ssekit/core'
import {
  adapterApps,
  type AdapterApp,
  type App,
  type AppSetup,
  type Route,
} from './helpers/apps.js'
import { sleep, waitFor } from '@ssekit/test-helpers/listen'
import { rawGet } from '@ssekit/test-helpers/raw-client'
import { readEvents } from '@ssekit/test-helpers/read-events'
import { openSse, type SseTestClient } from '@ssekit/testing'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { latch } from '@ssekit/test-helpers/latch'
import { streamEnded } from '@ssekit/test-helpers/stream-end'

describe.each(adapterApps)('the $name adapter', (adapter: AdapterApp) => {
  let app: App | undefined
  const clients: SseTestClient[] = []
  const upstreams: Upstream[] = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()))
    await app?.close()
    app = undefined
    await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()))
  })

  async function serve(route: Route, setup?: AppSetup): Promise<App> {
    app = await adapter.serve(route, setup)
    return app
  }

  /** Opens the route as a test of an app would: with `@ssekit/testing`. */
  async function open(url: string): Promise<SseTestClient> {
    const client = await openSse(url)
    clients.push(client)
    return client
  }

  it('sends the SSE headers before the first event', async () => {
    const first = latch()
    const { events } = await serve(async (stream) => {
      stream.init()
      await first.promise
      await stream.send({ event: 'first', data: 'after the headers' })
      await streamEnded(stream)
    })
    const client = await open(events)
    expect(client.status).toBe(200)
    expect(client.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(client.headers.get('cache-control')).toBe('no-cache')
    expect(client.headers.get('x-accel-buffering')).toBe('no')
    expect(client.headers.get('connection')).toBe('keep-alive')
    expect(client.headers.get('content-length')).toBeNull()
    expect(client.frames).toEqual([])
    first.open()
    expect(await client.next()).toMatchObject({ event: 'first', data: 'after the headers' })
  })

  it('delivers typed events, multi-line and JSON data and ids to an EventSource', async () => {
    const lastIds: (string | undefined)[] = []
    const { events } = await serve(
      async (stream) => {
        lastIds.push(stream.lastEventId)
        if (stream.lastEventId === undefined) {
          await stream.send({ event: 'greeting', id: 'g-1', data: 'hello' })
          await stream.send({ data: 'line one\nline two\r\nline three' })
          await stream.send({ event: 'json', id: 'j-2', data: { n: 2, text: 'a\nb', list: [1] } })
          await stream.send({ event: 'empty' })
          // The client reconnects, sending the last id it received.
          stream.close()
          return
        }
        await stream.send({ event: 'resumed', data: stream.lastEventId })
        await streamEnded(stream)
      },
      { options: { retry: 20 } }
    )
    const source = new EventSource(events)
    try {
      const received: { type: string; data: string; lastEventId: string }[] = []
      const record = (event: MessageEvent): void => {
        received.push({
          type: event.type,
          data: event.data as string,
          lastEventId: event.lastEventId,
        })
      }
      for (const type of ['greeting', 'message', 'json', 'empty', 'resumed']) {
        source.addEventListener(type, record)
      }
      await waitFor(() => received.length === 5, 5000, 'five events')
      expect(received).toEqual([
        { type: 'greeting', data: 'hello', lastEventId: 'g-1' },
        { type: 'message', data: 'line one\nline two\nline three', lastEventId: '' },
        { type: 'json', data: '{"n":2,"text":"a\\nb","list":[1]}', lastEventId: 'j-2' },
        { type: 'empty', data: '', lastEventId: '' },
        { type: 'resumed', data: 'j-2', lastEventId: '' },
      ])
      expect(lastIds).toEqual([undefined, 'j-2'])
    } finally {
      source.close()
    }
  })

  it('resolves send after the client left with clientDisconnected and aborts the signal', async () => {
    const results: SendResult[] = []
    let streamSignal: AbortSignal | undefined
    const served = await serve(async (stream) => {
      streamSignal = stream.signal
      await stream.send({ data: 'before' })
      await streamEnded(stream)
      results.push(await stream.send({ data: 'after' }), await stream.comment('after'))
    })
    const client = await open(served.events)
    await client.next()
    await client.close()
    await waitFor(() => results.length === 2, 5000, 'the sends after the disconnect')
    expect(results).toEqual([{ clientDisconnected: true }, { clientDisconnected: true }])
    expect((streamSignal?.reason as DOMException).name).toBe('AbortError')
    // A client leaving is not an error of the app.
    expect(served.errors).toEqual([])
  })

  it('does not report a client that resets the connection as an app error', async () => {
    let streamSignal: AbortSignal | undefined
    const served = await serve(async (stream) => {
      streamSignal = stream.signal
      await stream.send({ data: 'before' })
      await streamEnded(stream)
    })
    const client = rawGet(served.events)
    await client.until('data: before')
    client.socket.resetAndDestroy()
    await waitFor(() => streamSignal?.aborted, 5000, 'the stream to end')
    // A report of the reset could follow the stream's end: leave time for one.
    await sleep(50)
    expect(served.errors).toEqual([])
  })

  it('sends heartbeat comments on an idle stream', async () => {
    const { events } = await serve(
      async (stream) => {
        stream.init()
        await streamEnded(stream)
      },
      { options: { heartbeat: 40 } }
    )
    const reader = readEvents((await fetch(events)).body!)
    expect(await reader.comment(2, 3000)).toEqual(['', ''])
    expect(reader.events).toEqual([])
    await reader.cancel()
  })

  it('delivers events while the handler is still awaiting', async () => {
    const proceed = latch()
    let handlerDone = false
    const { events } = await serve(async (stream) => {
      await stream.send({ data: 'one' })
      await proceed.promise
      await stream.send({ data: 'two' })
      handlerDone = true
      await streamEnded(stream)
    })
    const client = await open(events)
    expect(await client.next()).toMatchObject({ data: 'one' })
    expect(handlerDone).toBe(false)
    proceed.open()
    expect(await client.next()).toMatchObject({ data: 'two' })
  })

  it('ends the stream and reports an error thrown after init', async () => {
    let streamSignal: AbortSignal | undefined
    const failure = new Error('the route failed after init')
    const served = await serve(async (stream) => {
      streamSignal = stream.signal
      await stream.send({ data: 'before the error' })
      throw failure
    })
    const client = await open(served.events)
    expect(await client.next()).toMatchObject({ data: 'before the error' })
    await client.ended
    await waitFor(() => served.errors.length > 0, 5000, 'the error report')
    expect(served.errors).toEqual([failure])
    expect(streamSignal?.aborted).toBe(true)
    expect(client.events).toHaveLength(1)
    // The server is still healthy.
    await request(served.url).get('/plain').expect(200, { plain: true })
  })

  it('works when mounted on the route only', async () => {
    const { events, plain } = await serve(
      async (stream) => {
        await stream.send({ data: 'route-level' })
        await streamEnded(stream)
      },
      { mount: 'route' }
    )
    const client = await open(events)
    expect(await client.next()).toMatchObject({ data: 'route-level' })
    const response = await fetch(plain)
    expect(await response.json()).toEqual({ plain: true })
  })

  it('leaves requests that never read the stream as the framework answers them', async () => {
    const served = await serve(() => undefined)
    const response = await request(served.url).get('/plain').expect(200, { plain: true })
    expect(response.headers['content-type']).toMatch(/^application\/json/)
    expect(response.headers['cache-control']).toBeUndefined()
    expect(response.headers['x-accel-buffering']).toBeUndefined()
  })

  it('relays a local upstream live with request({ forward: true })', async () => {
    const secondToken = latch()
    const upstream = await startUpstream(async (call) => {
      await call.send({ event: 'token', id: 'u-1', data: 'Hel' })
      await secondToken.promise
      await call.send({ event: 'token', id: 'u-2', data: 'lo' })
      call.end()
    })
    upstreams.push(upstream)
    const { events } = await serve(async (stream) => {
      const result = await stream.request({
        url: upstream.url,
        method: 'POST',
        headers: { Authorization: 'Bearer secret' },
        body: { q: 'hi' },
        forward: true,
      })
      await stream.send({ event: 'done', data: String(result.events.length) })
      stream.close()
    })
    const client = await open(events)
    // The first token arrives while the upstream still holds the second.
    expect(await client.next()).toEqual({ event: 'token', id: 'u-1', data: 'Hel' })
    secondToken.open()
    expect(await client.next()).toEqual({ event: 'token', id: 'u-2', data: 'lo' })
    expect(await client.next()).toMatchObject({ event: 'done', data: '2' })
    await client.ended
    const call = await upstream.call(0)
    expect(call.method).toBe('POST')
    expect(call.headers.authorization).toBe('Bearer secret')
    expect(call.headers['content-type']).toBe('application/json')
    expect(JSON.parse(call.text)).toEqual({ q: 'hi' })
  })

  it('closes the upstream connection when the client leaves a forwarding stream', async () => {
    const upstream = await startUpstream(async (call) => {
      await call.send({ data: 'first' })
      await call.closed
    })
    upstreams.push(upstream)
    const results: SseRequestResult[] = []
    const { events } = await serve(async (stream) => {
      results.push(await stream.request({ url: upstream.url, forward: true }))
    })
    const client = await open(events)
    await client.next()
    const call = await upstream.call(0)
    expect(call.closedAt).toBeUndefined()
    const left = performance.now()
    await client.close()
    await waitFor(() => call.closedAt, 5000, 'the upstream connection to close')
    expect(call.closedAt! - left).toBeLessThan(1000)
    await waitFor(() => results.length === 1, 5000, 'request() to resolve')
    expect(results[0]).toMatchObject({ clientDisconnected: true, events: [{ data: 'first' }] })
  })

  it('closes the response with close()', async () => {
    let late: Promise<SendResult> | undefined
    const { events } = await serve(async (stream) => {
      await stream.send({ data: 'last' })
      stream.close()
      late = stream.send({ data: 'late' })
      await late
    })
    const client = await open(events)
    await client.ended
    expect(client.events.map((event) => event.data)).toEqual(['last'])
    expect(await late).toEqual({ clientDisconnected: true })
  })

  // How a group ends many streams, drops stuck clients and checks its options is core's:
  // stream/stream-group.test.ts. Here: the middleware's closeAll() reaches its streams.
  it('ends its streams with closeAll() and lets server.close() finish, as the README shows for SIGTERM', async () => {
    const { events, server, closeAll } = await serve(async (stream) => {
      await stream.send({ event: 'hello' })
      // Hono ends the stream with its callback: hold it until shutdown.
      await streamEnded(stream)
    })
    // A kept-alive connection, as browsers make: it outlives the response that ends.
    const client = rawGet(events)
    try {
      await client.until('event: hello')
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()))
      await closeAll({ event: { event: 'shutdown' }, grace: 2000 })
      server.closeIdleConnections()
      await serverClosed
      await client.closed
      expect(client.body()).toMatch(/event: shutdown\ndata: \n\nretry: \d+\n\n$/)
    } finally {
      client.socket.destroy()
    }
  })
})

describe('every adapter', () => {
  it('re-exports the same core API', () => {
    const names = (module: object): string[] =>
      Object.keys(module)
        .filter((name) => name !== 'sse')
        .sort()
    const fromExpress = names(expressAdapter)
    expect(names(koaAdapter)).toEqual(fromExpress)
    expect(names(honoAdapter)).toEqual(fromExpress)
    expect(names(fastifyAdapter)).toEqual(fromExpress)
    for (const name of fromExpress) {
      expect(core).toHaveProperty(name, (expressAdapter as Record<string, unknown>)[name])
    }
  })
})
