import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import type http from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { latch } from '@ssekit/test-helpers/latch'
import { listen, type Listening } from '@ssekit/test-helpers/listen'
import { readEvents } from '@ssekit/test-helpers/read-events'
import { startUpstream, type Upstream, type UpstreamHandler } from '@ssekit/test-helpers/upstream'
import { sse, SseTimeoutError, SseUpstreamError, type SseRequestOptions } from './index.js'

let upstream: Upstream | undefined
let server: Listening | undefined
afterEach(async () => {
  await server?.close()
  await upstream?.close()
  server = undefined
  upstream = undefined
})

async function serveUpstream(handler: UpstreamHandler): Promise<Upstream> {
  upstream = await startUpstream(handler)
  return upstream
}

/** The route of the README: the upstream's events, or a 502 when it cannot be used. */
function proxyApp(options: Omit<SseRequestOptions, 'url'> & { url: string }): {
  app: Hono
  errors: unknown[]
} {
  const errors: unknown[] = []
  const app = new Hono()
  app.use(sse({ onError: (error) => errors.push(error) }))
  app.get('/events', async (c) => {
    try {
      return await c.var.sse.request(options, { heartbeat: 0 })
    } catch (error) {
      if (error instanceof SseUpstreamError || error instanceof SseTimeoutError) {
        return c.json({ error: error.message }, 502)
      }
      throw error
    }
  })
  return { app, errors }
}

describe("Hono's c.var.sse.request", () => {
  it('answers with the upstream events, forwarded live', async () => {
    const second = latch()
    const { url } = await serveUpstream(async (call) => {
      await call.send({ event: 'price', id: '1', data: '{"p":1}' })
      await second.promise
      await call.send({ data: 'two' })
      call.end()
    })
    const { app, errors } = proxyApp({ url })
    const response = await app.request('/events')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = readEvents(response.body!)
    // The first event arrives while the upstream still holds the second.
    expect(await reader.event(0)).toMatchObject({ event: 'price', id: '1', data: '{"p":1}' })
    second.open()
    await reader.ended
    expect(reader.events.map((event) => event.data)).toEqual(['{"p":1}', 'two'])
    expect(errors).toEqual([])
  })

  it('lets the route answer 502 when the upstream answers 500', async () => {
    const { url } = await serveUpstream((call) => {
      call.open(500, { 'content-type': 'text/plain' })
      call.end('boom')
    })
    const response = await proxyApp({ url }).app.request('/events')
    expect(response.status).toBe(502)
    expect(await response.json()).toEqual({ error: expect.stringContaining('status 500') })
  })

  it('lets the route answer 502 when the upstream answers without an event stream', async () => {
    const { url } = await serveUpstream((call) => {
      call.open(200, { 'content-type': 'application/json' })
      call.end('{"ok":true}')
    })
    const response = await proxyApp({ url }).app.request('/events')
    expect(response.status).toBe(502)
    expect(await response.json()).toEqual({
      error: expect.stringContaining('media type application/json'),
    })
  })

  it('lets the route answer 502 when the upstream sends no headers in time', async () => {
    const { url } = await serveUpstream(() => new Promise(() => undefined))
    const response = await proxyApp({ url, timeout: 50 }).app.request('/events')
    expect(response.status).toBe(502)
    expect(await response.json()).toEqual({ error: expect.stringContaining('(timeout)') })
  })

  it('rejects an invalid option with a TypeError, before any request', async () => {
    const { url, calls } = await serveUpstream((call) => {
      call.end()
    })
    const app = new Hono()
    app.use(sse())
    app.onError((error, c) => c.text(`${error.name}: ${error.message}`, 500))
    app.get('/events', (c) => c.var.sse.request({ url, timeout: -1 }))
    expect(await (await app.request('/events')).text()).toMatch(/^TypeError: .*"timeout"/)
    expect(calls).toHaveLength(0)
  })

  it('reports a failure after the response to onError and ends the stream', async () => {
    const { url } = await serveUpstream(async (call) => {
      await call.send({ data: 'one' })
      await call.send({ data: 'far too long for the limit' })
      call.end()
    })
    const { app, errors } = proxyApp({ url, maxEventSize: 10 })
    const response = await app.request('/events')
    expect(response.status).toBe(200)
    const reader = readEvents(response.body!)
    await reader.ended
    expect(reader.events.map((event) => event.data)).toEqual(['one'])
    expect(errors).toEqual([expect.objectContaining({ type: 'event-too-large' })])
    expect(errors[0]).toBeInstanceOf(SseUpstreamError)
  })

  it('closes the upstream connection when the client leaves', async () => {
    const { url, call } = await serveUpstream(async (request) => {
      await request.send({ data: 'first' })
    })
    const { app, errors } = proxyApp({ url })
    server = await listen(createAdaptorServer({ fetch: app.fetch }) as http.Server)
    const abort = new AbortController()
    const response = await fetch(`${server.url}/events`, { signal: abort.signal })
    const reader = readEvents(response.body!)
    expect(await reader.event(0)).toMatchObject({ data: 'first' })
    const upstreamCall = await call(0)
    expect(upstreamCall.closedAt).toBeUndefined()
    abort.abort()
    await upstreamCall.closed
    expect(errors).toEqual([])
  })

  it('closes the upstream connection when the client leaves before the upstream answered', async () => {
    const { url, call } = await serveUpstream(() => new Promise(() => undefined))
    const { app, errors } = proxyApp({ url })
    server = await listen(createAdaptorServer({ fetch: app.fetch }) as http.Server)
    const abort = new AbortController()
    const response = fetch(`${server.url}/events`, { signal: abort.signal })
    const upstreamCall = await call(0)
    abort.abort()
    await expect(response).rejects.toThrow()
    await upstreamCall.closed
    expect(errors).toEqual([])
  })

  it("logs the request where the stream's debug option says", async () => {
    const { url } = await serveUpstream(async (call) => {
      await call.send({ data: 'one' })
      call.end()
    })
    const messages: string[] = []
    const app = new Hono()
    app.use(sse({ debug: (message) => messages.push(message) }))
    app.get('/events', (c) => c.var.sse.request({ url }, { heartbeat: 0 }))
    const response = await app.request('/events')
    expect((await readEvents(response.body!).event(0)).data).toBe('one')
    expect(messages).toEqual(expect.arrayContaining(['stream-open', 'request', 'response']))
  })
})
