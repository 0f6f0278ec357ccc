import { createAdaptorServer } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { compress } from 'hono/compress'
import { cors } from 'hono/cors'
import type http from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { listen, waitFor, type Listening } from '@ssekit/test-helpers/listen'
import { readEvents } from '@ssekit/test-helpers/read-events'
import { sse, type SseStream } from './index.js'
import { latch } from '@ssekit/test-helpers/latch'
import { openSse } from '@ssekit/testing'

let server: Listening | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
  vi.restoreAllMocks()
})

/**
 * An app whose `/events` route sends one event and then holds its stream open until the
 * stream's signal aborts; `opened()` returns that stream once the route has it.
 */
function appHoldingStream(): { app: Hono; opened: () => SseStream | undefined } {
  let stream: SseStream | undefined
  const app = new Hono()
  app.use(sse())
  app.get('/events', (c) =>
    c.var.sse.stream(async (opened) => {
      stream = opened
      await opened.send({ data: 'x' })
      await new Promise((resolve) => opened.signal.addEventListener('abort', resolve))
    })
  )
  return { app, opened: () => stream }
}

describe('sse() for Hono on the web-standard path', () => {
  it('serves the API example', async () => {
    const app = new Hono()
    app.use(sse())
    app.get('/events', (c) =>
      c.var.sse.stream(async (stream) => {
        await stream.send({ data: 'hi' })
      })
    )
    const response = await app.request('/events')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(response.headers.get('x-accel-buffering')).toBe('no')
    expect(response.headers.get('connection')).toBeNull()
    expect(await response.text()).toBe('data: hi\n\n')
  })

  it('returns the response at once and streams while the callback runs', async () => {
    const proceed = latch()
    let settled = false
    const app = new Hono()
    app.use(sse())
    app.get('/events', (c) =>
      c.get('sse').stream(async (stream) => {
        await stream.send({ event: 'first', data: 'one' })
        await proceed.promise
        await stream.send({ data: 'two' })
        settled = true
      })
    )
    const reader = readEvents((await app.request('/events')).body!)
    expect(await reader.event(0)).toMatchObject({ event: 'first', data: 'one' })
    expect(settled).toBe(false)
    proceed.open()
    await reader.ended
    expect(reader.events.map((event) => event.data)).toEqual(['one', 'two'])
  })

  it('serves app.fetch and passes on the Last-Event-ID', async () => {
    const app = new Hono()
    app.use(sse({ retry: 1000 }))
    app.get('/events', (c) =>
      c.var.sse.stream((stream) => stream.send({ data: stream.lastEventId ?? 'none' }))
    )
    const resumed = await openSse(app, '/events', { lastEventId: 'e-9' })
    expect(await resumed.next()).toEqual({ event: 'message', data: 'e-9', id: undefined })
    await resumed.ended
    expect(resumed.frames).toEqual(['retry: 1000', 'data: e-9'])
    const fresh = await openSse(app, '/events')
    expect(await fresh.next()).toMatchObject({ data: 'none' })
  })

  it('keeps headers set by c.header() and by middleware such as cors()', async () => {
    const app = new Hono()
    app.use(cors({ origin: 'https://app.example' }))
    app.use(sse())
    app.get('/events', (c) => {
      c.header('X-Request-Id', 'r-1')
      c.header('Content-Type', 'text/plain')
      return c.var.sse.stream((stream) => stream.send({ data: 'x' }))
    })
    const response = await app.request('/events', { headers: { Origin: 'https://app.example' } })
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(response.headers.get('x-request-id')).toBe('r-1')
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(await response.text()).toBe('data: x\n\n')
  })

  it('is left uncompressed, event by event, by compress()', async () => {
    const proceed = latch()
    const app = new Hono()
    app.use(compress({ threshold: 0 }))
    app.use(sse())
    app.get('/events', (c) =>
      c.var.sse.stream(async (stream) => {
        await stream.send({ data: 'first' })
        await proceed.promise
      })
    )
    const response = await app.request('/events', { headers: { 'Accept-Encoding': 'gzip' } })
    expect(response.headers.get('content-encoding')).toBeNull()
    const reader = readEvents(response.body!)
    expect(await reader.event(0)).toMatchObject({ data: 'first' })
    proceed.open()
    await reader.ended
  })

  it('reports an error thrown by the callback to onError and closes the stream', async () => {
    const failure = new Error('callback failed')
    const reported: { error: unknown; path: string }[] = []
    const app = new Hono()
    app.use(sse({ onError: (error, c: Context) => reported.push({ error, path: c.req.path }) }))
    app.get('/events', (c) =>
      c.var.sse.stream(async (stream) => {
        await stream.send({ data: 'before' })
        throw failure
      })
    )
    const response = await app.request('/events')
    expect(await response.text()).toBe('data: before\n\n')
    expect(reported).toEqual([{ error: failure, path: '/events' }])
  })

  it('logs a callback error with console.error by default', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const failure = new Error('callback failed')
    const app = new Hono()
    app.use(sse())
    app.get('/events', (c) =>
      c.var.sse.stream(() => {
        throw failure
      })
    )
    expect(await (await app.request('/events')).text()).toBe('')
    expect(logged.mock.calls).toEqual([[failure]])
  })

  it('logs an error thrown by onError itself instead of leaving it unhandled', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const broken = new Error('onError failed')
    const app = new Hono()
    app.use(
      sse({
        onError: () => {
          throw broken
        },
      })
    )
    app.get('/events', (c) =>
      c.var.sse.stream(() => {
        throw new Error('callback failed')
      })
    )
    expect(await (await app.request('/events')).text()).toBe('')
    await waitFor(() => logged.mock.calls.length > 0, 5000, 'the log')
    expect(logged.mock.calls).toEqual([[broken]])
  })

  it('aborts the signal when the reader cancels the body', async () => {
    const { app, opened } = appHoldingStream()
    const client = await openSse(app, '/events')
    await client.next()
    const stream = opened()
    expect(stream?.signal.aborted).toBe(false)
    await client.close()
    expect(stream?.signal.aborted).toBe(true)
    expect(await stream?.send({ data: 'late' })).toEqual({ clientDisconnected: true })
  })

  it('applies stream() options over the middleware options', async () => {
    const app = new Hono()
    app.use(sse({ retry: 1000, headers: { 'X-Stream': 'default' } }))
    app.get('/events', (c) =>
      c.var.sse.stream((stream) => stream.send({ data: 'x' }), {
        retry: 2500,
        headers: { 'X-Override': 'yes' },
      })
    )
    const response = await app.request('/events')
    expect(response.headers.get('x-stream')).toBe('default')
    expect(response.headers.get('x-override')).toBe('yes')
    expect(await response.text()).toBe('retry: 2500\n\ndata: x\n\n')
  })

  it('works when mounted on one route', async () => {
    const app = new Hono()
    app.get('/events', sse(), (c) => c.var.sse.stream((stream) => stream.send({ data: 'x' })))
    app.get('/other', (c) => c.json({ sse: typeof c.get('sse') }))
    expect(await (await app.request('/events')).text()).toBe('data: x\n\n')
    expect(await (await app.request('/other')).json()).toEqual({ sse: 'undefined' })
  })

  it('rejects bad arguments with a TypeError naming them', async () => {
    expect(() => sse({ heartbeat: -1 })).toThrow(/"heartbeat"/)
    expect(() => sse({ onError: 'log' as unknown as () => void })).toThrow(/"onError"/)
    const app = new Hono()
    app.use(sse())
    app.onError((error, c) => c.text(`${error.name}: ${error.message}`, 500))
    app.get('/no-callback', (c) => c.var.sse.stream(undefined as unknown as () => void))
    app.get('/bad-option', (c) => c.var.sse.stream(() => undefined, { retry: -5 }))
    expect(await (await app.request('/no-callback')).text()).toMatch(/^TypeError: .*"callback"/)
    expect(await (await app.request('/bad-option')).text()).toMatch(/^TypeError: .*"retry"/)
  })
})

describe('sse() for Hono on @hono/node-server', () => {
  async function serve(app: Hono): Promise<string> {
    server = await listen(createAdaptorServer({ fetch: app.fetch }) as http.Server)
    return server.url
  }

  it('aborts the callback signal when the client disconnects', async () => {
    const { app, opened } = appHoldingStream()
    const url = await serve(app)
    const abort = new AbortController()
    const reader = readEvents((await fetch(`${url}/events`, { signal: abort.signal })).body!)
    await reader.event(0)
    const stream = opened()
    expect(stream?.signal.aborted).toBe(false)
    abort.abort()
    await waitFor(() => stream?.signal.aborted, 5000, 'the stream signal to abort')
    expect(stream?.clientDisconnected).toBe(true)
  })

  /** Counts the text chunks the sink writes to the Node response itself. */
  function countDirectWrites(c: Context): { count: number } {
    const outgoing = (c.env as { outgoing: http.ServerResponse }).outgoing
    const write = outgoing.write.bind(outgoing) as (chunk: unknown) => boolean
    const counter = { count: 0 }
    outgoing.write = ((chunk: unknown) => {
      if (typeof chunk === 'string') counter.count++
      return write(chunk)
    }) as typeof outgoing.write
    return counter
  }

  it('writes straight to the Node response once the server pipes the body, in order', async () => {
    let direct = { count: 0 }
    const app = new Hono()
    app.use(sse())
    app.get('/events', (c) => {
      direct = countDirectWrites(c)
      return c.var.sse.stream(async (stream) => {
        // Far past the body's 16 KiB high-water mark: the hand-over happens under backpressure.
        for (let i = 0; i < 3000; i++) await stream.send({ id: String(i), data: 'x'.repeat(100) })
      })
    })
    const url = await serve(app)
    const reader = readEvents((await fetch(`${url}/events`)).body!)
    await reader.ended
    expect(reader.events.map((event) => event.id)).toEqual(
      Array.from({ length: 3000 }, (_, i) => String(i))
    )
    expect(direct.count).toBeGreaterThan(0)
  })

  it('aborts the signal when the client leaves after the hand-over', async () => {
    let stream: SseStream | undefined
    let direct = { count: 0 }
    const app = new Hono()
    app.use(sse())
    app.get('/events', (c) => {
      direct = countDirectWrites(c)
      return c.var.sse.stream(async (opened) => {
        stream = opened
        for (let i = 0; i < 20; i++) await opened.send({ data: String(i) })
        await new Promise((resolve) => opened.signal.addEventListener('abort', resolve))
      })
    })
    const url = await serve(app)
    const abort = new AbortController()
    const reader = readEvents((await fetch(`${url}/events`, { signal: abort.signal })).body!)
    await reader.event(19)
    expect(direct.count).toBeGreaterThan(0)
    abort.abort()
    await waitFor(() => stream?.signal.aborted, 5000, 'the stream signal to abort')
  })

  it('keeps a body that middleware transforms on the web path', async () => {
    const app = new Hono()
    app.use(async (c, next) => {
      await next()
      const replace = new TransformStream<string, string>({
        transform: (text, controller) => {
          controller.enqueue(text.replaceAll('x', 'y'))
        },
      })
      const body = c.res
        .body!.pipeThrough(new TextDecoderStream())
        .pipeThrough(replace)
        .pipeThrough(new TextEncoderStream())
      c.res = new Response(body, c.res)
    })
    app.use(sse())
    app.get('/events', (c) =>
      c.var.sse.stream(async (stream) => {
        for (let i = 0; i < 500; i++) await stream.send({ data: 'x'.repeat(100) })
      })
    )
    const url = await serve(app)
    const reader = readEvents((await fetch(`${url}/events`)).body!)
    await reader.ended
    expect(reader.events).toHaveLength(500)
    expect(reader.events.every((event) => event.data === 'y'.repeat(100))).toBe(true)
  })
})
