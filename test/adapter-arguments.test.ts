import { createAdaptorServer } from '@hono/node-server'
import type { SseStream, SseStreamOptions } from '@ssekit/core'
import { sse as expressSse } from '@ssekit/express'
import { sse as fastifySse } from '@ssekit/fastify'
import { sse as honoSse } from '@ssekit/hono'
import { sse as koaSse } from '@ssekit/koa'
import Fastify from 'fastify'
import { Hono } from 'hono'
import type http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adapterApps, type AdapterApp, type App } from './helpers/apps.js'
import { listen, type Listening } from '@ssekit/test-helpers/listen'
import { readEvents } from '@ssekit/test-helpers/read-events'

const bad = (value: unknown): never => value as never

/** Bad options of an `sse()` factory, each with what its TypeError must name. */
const factoryOptions: { case: string; options: unknown; message: RegExp }[] = [
  { case: 'a number', options: 15_000, message: /options must be an object/ },
  { case: 'null', options: null, message: /options must be an object/ },
  { case: 'a negative heartbeat', options: { heartbeat: -1 }, message: /"heartbeat"/ },
  { case: 'a NaN sendTimeout', options: { sendTimeout: NaN }, message: /"sendTimeout"/ },
  { case: 'an infinite maxDuration', options: { maxDuration: Infinity }, message: /"maxDuration"/ },
  { case: 'a fractional retry', options: { retry: 1.5 }, message: /"retry"/ },
  {
    case: 'a header value with CRLF',
    options: { headers: { 'X-Tag': 'a\r\nSet-Cookie: x' } },
    message: /"X-Tag" in "headers" must not contain CR, LF/,
  },
  {
    case: 'a header name with a space',
    options: { headers: { 'X Tag': 'a' } },
    message: /header name "X Tag"/,
  },
  {
    case: 'a Content-Length header',
    options: { headers: { 'content-length': '0' } },
    message: /"content-length" in "headers" frames the body/,
  },
  {
    case: 'a Transfer-Encoding header',
    options: { headers: { 'Transfer-Encoding': 'chunked' } },
    message: /"Transfer-Encoding" in "headers" frames the body/,
  },
  { case: 'a negative maxStreams', options: { maxStreams: -1 }, message: /"maxStreams"/ },
  {
    case: 'a fractional maxStreamsPerClient',
    options: { maxStreamsPerClient: 1.5 },
    message: /"maxStreamsPerClient"/,
  },
  {
    case: 'a clientKey that is a string',
    options: { clientKey: 'x-user' },
    message: /"clientKey"/,
  },
  {
    case: 'a string maxBufferedBytes',
    options: { maxBufferedBytes: '1mb' },
    message: /"maxBufferedBytes"/,
  },
  {
    case: 'an unknown slowClient policy',
    options: { slowClient: 'drop' },
    message: /"slowClient"/,
  },
  {
    case: 'a final event with LF in its id',
    options: { finalEvent: { id: 'a\nb' } },
    message: /"finalEvent" is not a valid event/,
  },
  {
    case: 'a group not from createStreamGroup',
    options: { group: { size: 0 } },
    message: /"group"/,
  },
]

const factories = [
  { name: 'express', sse: (options: unknown) => expressSse(bad(options)) },
  { name: 'koa', sse: (options: unknown) => koaSse(bad(options)) },
  { name: 'hono', sse: (options: unknown) => honoSse(bad(options)) },
]

describe.each(factories)('the $name sse() factory', ({ name, sse }) => {
  it.each(factoryOptions)('refuses $case with a TypeError naming it', ({ options, message }) => {
    expect(() => sse(options)).toThrow(TypeError)
    expect(() => sse(options)).toThrow(message)
  })

  if (name === 'hono') {
    it('refuses an onError that is not a function', () => {
      expect(() => sse({ onError: 'log' })).toThrow(/"onError" must be a function/)
    })
  }
})

// Fastify runs a plugin when it is registered: the awaited `register` rejects. Fastify itself
// registers a plugin given `null` options with an empty object.
describe('the fastify sse plugin', () => {
  it.each(factoryOptions.filter((row) => row.options !== null))(
    'refuses $case with a TypeError naming it',
    async ({ options, message }) => {
      const app = Fastify()
      const error: unknown = await app.register(fastifySse, bad(options)).then(
        () => undefined,
        (reason: unknown) => reason
      )
      expect(error).toBeInstanceOf(TypeError)
      expect((error as TypeError).message).toMatch(message)
      await app.close()
    }
  )
})

/** Bad calls on a route's stream, each with what its TypeError must name. */
const streamCalls: { call: string; run: (stream: SseStream) => unknown; message: RegExp }[] = [
  {
    call: 'init({ heartbeat: -1 })',
    run: (s) => s.init({ heartbeat: -1 }),
    message: /"heartbeat"/,
  },
  {
    call: 'init({ headers: { "X-Tag": "a\\nb" } })',
    run: (s) => s.init({ headers: { 'X-Tag': 'a\nb' } }),
    message: /"X-Tag"/,
  },
  {
    call: 'send({ id: "1\\ndata: forged" })',
    run: (s) => s.send({ id: '1\ndata: forged' }),
    message: /field "id"/,
  },
  { call: 'send({ retry: -5 })', run: (s) => s.send({ retry: -5 }), message: /field "retry"/ },
  { call: 'comment(7)', run: (s) => s.comment(bad(7)), message: /"text" must be a string/ },
  {
    call: 'request()',
    run: (s) => s.request(bad(undefined)),
    message: /options must be an object/,
  },
  {
    call: "request({ url: '' })",
    run: (s) => s.request({ url: '' }),
    message: /"url" is not an absolute URL/,
  },
  {
    call: 'request({ url, method: "GET\\r\\nX-A: 1" })',
    run: (s) => s.request({ url: 'http://127.0.0.1:9/', method: 'GET\r\nX-A: 1' }),
    message: /"method"/,
  },
  {
    call: 'request({ url, idleTimeout: -1 })',
    run: (s) => s.request({ url: 'http://127.0.0.1:9/', idleTimeout: -1, forward: true }),
    message: /"idleTimeout"/,
  },
]

describe.each(adapterApps)('a $name route calling its stream badly', (adapter: AdapterApp) => {
  let app: App
  /** What each bad call threw, in request order. */
  const thrown: unknown[] = []
  beforeAll(async () => {
    // The client names the row in Last-Event-ID, which is all a route sees of the request.
    // After the bad call the stream starts with its own header: impossible had the call
    // started it. (Hono starts the stream before the callback runs, by design.)
    app = await adapter.serve(async (stream) => {
      const row = streamCalls[Number(stream.lastEventId)]!
      let error: unknown
      try {
        await row.run(stream)
      } catch (caught) {
        error = caught
      }
      thrown.push(error)
      stream.init({ headers: { 'X-Started-After': 'the bad call' } })
      await stream.send({ data: 'usable' })
      stream.close()
    })
  })
  afterAll(async () => {
    await app.close()
  })

  it.each(streamCalls.map((row, index) => ({ ...row, index })))(
    '$call fails with a TypeError naming it, writing nothing',
    async ({ index, message }) => {
      const response = await fetch(app.events, { headers: { 'last-event-id': String(index) } })
      const reader = readEvents(response.body!)
      await reader.ended
      const error = thrown.at(-1)
      expect(error).toBeInstanceOf(TypeError)
      expect((error as TypeError).message).toMatch(message)
      expect(response.status).toBe(200)
      if (adapter.name !== 'hono') {
        expect(response.headers.get('x-started-after')).toBe('the bad call')
      }
      expect(reader.raw()).toBe('data: usable\n\n')
      expect(app.errors).toEqual([])
    }
  )
})

/** Bad calls of Hono's `c.var.sse.stream(callback, options)`. */
const honoStreamCalls: {
  call: string
  args: [callback: unknown, options?: unknown]
  message: RegExp
}[] = [
  { call: 'stream()', args: [undefined], message: /"callback" of c\.var\.sse\.stream\(\)/ },
  { call: "stream('events')", args: ['events'], message: /"callback"/ },
  { call: 'stream(cb, 5)', args: [() => undefined, 5], message: /options must be an object/ },
  {
    call: 'stream(cb, { heartbeat: -1 })',
    args: [() => undefined, { heartbeat: -1 }],
    message: /"heartbeat"/,
  },
  {
    call: 'stream(cb, { headers: { "X-Tag": "a\\r\\nb" } })',
    args: [() => undefined, { headers: { 'X-Tag': 'a\r\nb' } }],
    message: /"X-Tag"/,
  },
]

describe("Hono's c.var.sse.stream given bad arguments", () => {
  let server: Listening
  let callbacks = 0
  beforeAll(async () => {
    const app = new Hono()
    app.use(honoSse())
    app.get('/:row', (c) => {
      const { args } = honoStreamCalls[Number(c.req.param('row'))]!
      const [callback, options] = args
      try {
        return c.var.sse.stream(
          typeof callback === 'function'
            ? () => {
                callbacks++
              }
            : bad(callback),
          options as SseStreamOptions
        )
      } catch (error) {
        return c.text(error instanceof TypeError ? error.message : 'no TypeError', 400)
      }
    })
    server = await listen(createAdaptorServer({ fetch: app.fetch }) as http.Server)
  })
  afterAll(async () => {
    await server.close()
  })

  it.each(honoStreamCalls.map((row, index) => ({ ...row, index })))(
    '$call throws a TypeError naming it, so the route can answer with an error',
    async ({ index, message }) => {
      const response = await fetch(`${server.url}/${index}`)
      expect(response.status).toBe(400)
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
      expect(await response.text()).toMatch(message)
      expect(callbacks).toBe(0)
    }
  )
})
