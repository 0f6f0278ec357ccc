import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, type Listening } from '@ssekit/test-helpers/listen'
import { readEvents } from '@ssekit/test-helpers/read-events'
import { lazyNodeStreams, nodeStreams, type NodeStreamHost } from './lazy-node-stream.js'
import { resolveMiddlewareOptions } from './middleware-options.js'
import type { SseStream } from '../stream/stream.js'

/** A framework's per-request object, as Express's `res` or Koa's `ctx` would be. */
interface Ctx {
  req: IncomingMessage
  res: ServerResponse
  sse?: SseStream
}

function hostOf(prototype: object, onOpen?: (ctx: Ctx) => void): NodeStreamHost<Ctx> {
  return {
    property: 'sse',
    prototypeOf: () => prototype,
    request: (ctx) => ctx.req,
    response: (ctx) => ctx.res,
    onOpen,
  }
}

const options = resolveMiddlewareOptions({ heartbeat: 0 })

describe('lazyNodeStreams', () => {
  let server: Listening | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  /** Serves each request with `handle`, given a fresh object made from `prototype`. */
  async function serve(prototype: object, handle: (ctx: Ctx) => void): Promise<string> {
    server = await listen((req, res) => {
      const ctx = Object.create(prototype) as Ctx
      ctx.req = req
      ctx.res = res
      handle(ctx)
    })
    return server.url
  }

  it('creates the stream on first read, once, and only for enabled objects', async () => {
    const prototype = {}
    const streams = lazyNodeStreams(hostOf(prototype))
    const seen: unknown[] = []
    const url = await serve(prototype, (ctx) => {
      if (ctx.req.url === '/plain') {
        seen.push(ctx.sse)
        ctx.res.end('plain')
        return
      }
      streams.enable(ctx, options)
      seen.push(streams.created(ctx))
      const stream = ctx.sse!
      seen.push(ctx.sse === stream, streams.created(ctx) === stream)
      void stream.send({ data: 'lazy' })
    })
    expect(await (await fetch(`${url}/plain`)).text()).toBe('plain')
    const reader = readEvents((await fetch(url)).body!)
    expect(await reader.event(0)).toMatchObject({ data: 'lazy' })
    await reader.cancel()
    expect(seen).toEqual([undefined, undefined, true, true])
    expect(Object.getOwnPropertyNames(prototype)).toEqual(['sse'])
  })

  it('runs onOpen when the stream starts, before the headers are written', async () => {
    const prototype = {}
    const headersSent: boolean[] = []
    const streams = lazyNodeStreams(
      hostOf(prototype, (ctx) => headersSent.push(ctx.res.headersSent))
    )
    const url = await serve(prototype, (ctx) => {
      streams.enable(ctx, options)
      const stream = ctx.sse!
      expect(headersSent).toEqual([])
      void stream.send({ data: 'started' })
    })
    const reader = readEvents((await fetch(url)).body!)
    await reader.event(0)
    await reader.cancel()
    expect(headersSent).toEqual([false])
  })

  it('keeps working when a second copy of the module shares the prototype', async () => {
    const prototype = {}
    const first = lazyNodeStreams(hostOf(prototype))
    const second = lazyNodeStreams(hostOf(prototype))
    const url = await serve(prototype, (ctx) => {
      const copy = ctx.req.url === '/second' ? second : first
      copy.enable(ctx, options)
      void ctx.sse!.send({ data: ctx.req.url })
    })
    for (const path of ['/first', '/second', '/first']) {
      const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) })
      const reader = readEvents(response.body!)
      expect(await reader.event(0)).toMatchObject({ data: path })
      await reader.cancel()
    }
  })
})

describe('nodeStreams', () => {
  let server: Listening | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('creates one stream per object on first call, and answers a refused one at once', async () => {
    const limited = resolveMiddlewareOptions({ heartbeat: 0, maxStreams: 1 })
    const opened: string[] = []
    const streams = nodeStreams<Ctx>({
      request: (ctx) => ctx.req,
      response: (ctx) => ctx.res,
      clientKeyArgument: (ctx) => ctx,
      onOpen: (ctx) => opened.push(ctx.req.url!),
    })
    const same: boolean[] = []
    server = await listen((req, res) => {
      const ctx: Ctx = { req, res }
      const before = streams.created(ctx)
      const stream = streams.streamOf(ctx, limited)
      same.push(before === undefined, streams.streamOf(ctx, limited) === stream)
      void stream.send({ data: req.url })
    })
    const first = await fetch(`${server.url}/first`)
    const reader = readEvents(first.body!)
    expect(await reader.event(0)).toMatchObject({ data: '/first' })
    const refused = await fetch(`${server.url}/refused`)
    expect([refused.status, refused.headers.get('retry-after'), await refused.text()]).toEqual([
      503,
      '5',
      '',
    ])
    await reader.cancel()
    expect(opened).toEqual(['/first', '/refused'])
    expect(same).toEqual([true, true, true, true])
  })
})
