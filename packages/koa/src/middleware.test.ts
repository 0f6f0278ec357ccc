import Router from '@koa/router'
import Koa from 'koa'
import { createRequire } from 'node:module'
import compress from 'koa-compress'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, waitFor, type Listening } from '@ssekit/test-helpers/listen'
import { eventClientsPerTest } from '@ssekit/test-helpers/read-events'
import { sse, type SseStream } from './index.js'
import { latch } from '@ssekit/test-helpers/latch'

// Koa 2, installed under an alias: every test runs on both majors the peer range accepts.
const koa2 = createRequire(import.meta.url)('koa2') as typeof Koa
const majors = [
  { name: 'Koa 3', Koa },
  { name: 'Koa 2', Koa: koa2 },
]

let server: Listening | undefined
const open = eventClientsPerTest()
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function serve(app: Koa): Promise<string> {
  const handle = app.callback()
  server = await listen((req, res) => {
    void handle(req, res)
  })
  return server.url
}

describe.each(majors)('sse() for $name', ({ Koa }) => {
  it('serves the API example', async () => {
    const app = new Koa()
    const router = new Router()
    app.use(sse())
    router.get('/events', async (ctx) => {
      await ctx.sse.send({ data: 'hi' })
    })
    app.use(router.routes())
    const url = await serve(app)
    const { response, reader } = await open(`${url}/events`)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(await reader.event(0)).toMatchObject({ data: 'hi' })
  })

  it("costs an open stream's ctx no function of its own, and still reports app errors", async () => {
    const contexts: Koa.Context[] = []
    const errors: unknown[] = []
    const app = new Koa()
    app.silent = true
    app.on('error', (error: unknown) => errors.push(error))
    app.use(sse())
    app.use((ctx) => {
      contexts.push(ctx)
      ctx.sse.init()
    })
    const url = await serve(app)
    await open(url)
    await open(url)
    const [first, second] = contexts as [Koa.Context, Koa.Context]
    const onerrorOf = (ctx: Koa.Context): unknown => Reflect.get(ctx, 'onerror')
    expect(onerrorOf(first)).toBe(onerrorOf(second))
    expect(Object.hasOwn(first, 'onerror')).toBe(true)
    const failure = new Error('after the stream started')
    first.onerror(failure)
    expect(errors).toEqual([failure])
  })

  it('streams events while the handler awaits, before Koa would write a body', async () => {
    const proceed = latch()
    let returned = false
    let stream: SseStream | undefined
    const app = new Koa()
    app.use(sse())
    app.use(async (ctx) => {
      stream = ctx.sse
      await ctx.sse.send({ data: 'one' })
      await proceed.promise
      await ctx.sse.send({ data: 'two' })
      returned = true
    })
    const url = await serve(app)
    const { response, reader } = await open(url)
    expect(response.status).toBe(200)
    expect(await reader.event(0)).toMatchObject({ data: 'one' })
    expect(returned).toBe(false)
    proceed.open()
    expect(await reader.event(1)).toMatchObject({ data: 'two' })
    await waitFor(() => returned, 5000, 'the handler to return')
    // Koa wrote nothing of its own once the chain resolved: the stream still owns the response.
    expect(await stream?.send({ data: 'three' })).toEqual({ clientDisconnected: false })
    expect(await reader.event(2)).toMatchObject({ data: 'three' })
    expect(reader.raw()).toBe('data: one\n\ndata: two\n\ndata: three\n\n')
  })

  it('delivers events one by one, uncompressed, behind koa-compress', async () => {
    const proceed = latch()
    const app = new Koa()
    app.use(compress({ threshold: 0 }))
    app.use(sse())
    app.use(async (ctx) => {
      await ctx.sse.send({ data: 'first' })
      await proceed.promise
      await ctx.sse.send({ data: 'second' })
    })
    const url = await serve(app)
    const { response, reader } = await open(url, { 'accept-encoding': 'gzip' })
    expect(response.headers.get('content-encoding')).toBeNull()
    expect(response.headers.get('vary')).toBe('Accept-Encoding')
    expect(await reader.event(0)).toMatchObject({ data: 'first' })
    proceed.open()
    expect(await reader.event(1)).toMatchObject({ data: 'second' })
  })

  it("ends the stream cleanly on an error after init and reports it to app.on('error')", async () => {
    const failure = new Error('failed mid-stream')
    const reported: { error: unknown; path: string }[] = []
    const app = new Koa()
    app.on('error', (error: unknown, ctx: Koa.Context) => reported.push({ error, path: ctx.path }))
    app.use(sse())
    app.use(async (ctx) => {
      await ctx.sse.send({ data: 'before' })
      throw failure
    })
    const url = await serve(app)
    // `text()` rejects if the connection is cut instead of ended.
    const response = await fetch(`${url}/events`, { signal: AbortSignal.timeout(5000) })
    const body = await response.text()
    expect(body).toBe('data: before\n\n')
    expect(reported).toEqual([{ error: failure, path: '/events' }])
    expect((failure as Error & { headerSent?: boolean }).headerSent).toBe(true)
  })

  it('answers an error before the stream started with an ordinary 500', async () => {
    const app = new Koa()
    app.silent = true
    app.use(sse())
    app.use((ctx) => {
      if (ctx.sse.lastEventId === undefined) throw new Error('no id')
    })
    const url = await serve(app)
    const response = await request(url).get('/').expect(500, 'Internal Server Error')
    expect(response.headers['content-type']).toMatch(/^text\/plain/)
  })

  it('leaves a response alone when ctx.sse was read but never started', async () => {
    const app = new Koa()
    app.use(sse())
    app.use((ctx) => {
      ctx.body = { lastEventId: ctx.sse.lastEventId ?? null }
    })
    const url = await serve(app)
    await request(url).get('/').set('Last-Event-ID', '7').expect(200, { lastEventId: '7' })
  })

  it('keeps headers set on ctx before the stream started', async () => {
    const app = new Koa()
    app.use(async (ctx, next) => {
      ctx.set('Access-Control-Allow-Origin', '*')
      await next()
    })
    app.use(sse())
    app.use(async (ctx) => {
      ctx.set('X-Request-Id', 'r-1')
      await ctx.sse.send({ data: 'x' })
    })
    const url = await serve(app)
    const { response, reader } = await open(url)
    await reader.event(0)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(response.headers.get('x-request-id')).toBe('r-1')
  })

  it('keeps the stream open after the handler returns, for a producer to use', async () => {
    const app = new Koa()
    app.use(sse())
    app.use((ctx) => {
      const stream: SseStream = ctx.sse.init()
      setTimeout(() => void stream.send({ data: 'from a producer' }), 20)
    })
    const url = await serve(app)
    const { reader } = await open(url)
    expect(await reader.event(0)).toMatchObject({ data: 'from a producer' })
  })

  it('works when mounted on one router route', async () => {
    const app = new Koa()
    const router = new Router()
    router.get('/events', sse({ retry: 1500 }), async (ctx) => {
      await ctx.sse.send({ data: 'routed' })
    })
    router.get('/other', (ctx) => {
      ctx.body = { sse: typeof (ctx.sse as SseStream | undefined) }
    })
    app.use(router.routes())
    const url = await serve(app)
    const { reader } = await open(`${url}/events`)
    expect(await reader.event(0)).toMatchObject({ data: 'routed' })
    expect(reader.retries).toEqual([1500])
    await request(url).get('/other').expect(200, { sse: 'undefined' })
  })

  it('ignores a ctx.body set after the stream started, and keeps streaming', async () => {
    const proceed = latch()
    const app = new Koa()
    const errors: unknown[] = []
    app.on('error', (error: unknown) => errors.push(error))
    app.use(sse())
    app.use(async (ctx) => {
      await ctx.sse.send({ data: 'before' })
      await proceed.promise
      ctx.body = 'a late body'
      await ctx.sse.send({ data: 'after' })
      ctx.sse.close()
    })
    const url = await serve(app)
    const { reader } = await open(url)
    expect(await reader.event(0)).toMatchObject({ data: 'before' })
    proceed.open()
    await reader.ended
    expect(reader.events.map((event) => event.data)).toEqual(['before', 'after'])
    expect(reader.raw()).not.toContain('a late body')
    expect(errors).toEqual([])
  })

  it('rejects invalid options with a TypeError naming the option', () => {
    expect(() => sse({ retry: 1.5 })).toThrow(TypeError)
    expect(() => sse({ retry: 1.5 })).toThrow(/"retry"/)
  })
})
