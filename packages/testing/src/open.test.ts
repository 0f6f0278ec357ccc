import Router from '@koa/router'
import { sse as expressSse } from '@ssekit/express'
import { sse as honoSse } from '@ssekit/hono'
import { sse as koaSse } from '@ssekit/koa'
import express from 'express'
import { Hono } from 'hono'
import Koa from 'koa'
import { describe, expect, it } from 'vitest'
import { openSse, type SseTarget } from './index.js'

/** A promise and the function that resolves it. */
function signalled(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {}
  const promise = new Promise<void>((done) => (resolve = done))
  return { promise, resolve }
}

/** The same route on each framework: three ticks with ids, then a `done`; resumes after the id. */
function apps(): { name: string; app: SseTarget; left: Promise<void> }[] {
  const events = (after: string | undefined) =>
    [1, 2, 3]
      .filter((n) => after === undefined || n > Number(after))
      .map((n) => ({ event: 'tick', id: String(n), data: { n } }))
  const expressLeft = signalled()
  const expressApp = express()
  expressApp.use(expressSse())
  expressApp.get('/events', async (_req, res) => {
    res.sse.signal.addEventListener('abort', () => expressLeft.resolve())
    for (const event of events(res.sse.lastEventId)) await res.sse.send(event)
    await res.sse.send({ event: 'done' })
  })
  const koaLeft = signalled()
  const koaApp = new Koa()
  const router = new Router()
  koaApp.use(koaSse())
  router.get('/events', async (ctx) => {
    ctx.sse.signal.addEventListener('abort', () => koaLeft.resolve())
    for (const event of events(ctx.sse.lastEventId)) await ctx.sse.send(event)
    await ctx.sse.send({ event: 'done' })
  })
  koaApp.use(router.routes())
  const honoLeft = signalled()
  const honoApp = new Hono()
  honoApp.use(honoSse())
  honoApp.get('/events', (c) =>
    c.var.sse.stream(async (stream) => {
      stream.signal.addEventListener('abort', () => honoLeft.resolve())
      for (const event of events(stream.lastEventId)) await stream.send(event)
      await stream.send({ event: 'done' })
      await new Promise((resolve) => stream.signal.addEventListener('abort', resolve))
    })
  )
  return [
    { name: 'Express', app: expressApp, left: expressLeft.promise },
    { name: 'Koa', app: koaApp, left: koaLeft.promise },
    { name: 'Hono', app: honoApp, left: honoLeft.promise },
  ]
}

describe.each(apps())('openSse() on $name', ({ app, left }) => {
  it('reads status, headers, events, raw frames, and disconnects the client', async () => {
    const client = await openSse(app, '/events')
    expect(client.status).toBe(200)
    expect(client.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(await client.take(2)).toEqual([
      { event: 'tick', data: '{"n":1}', id: '1' },
      { event: 'tick', data: '{"n":2}', id: '2' },
    ])
    expect(await client.waitFor('done')).toEqual({ event: 'done', data: '', id: undefined })
    expect(client.frames).toEqual([
      'event: tick\nid: 1\ndata: {"n":1}',
      'event: tick\nid: 2\ndata: {"n":2}',
      'event: tick\nid: 3\ndata: {"n":3}',
      'event: done\ndata: ',
    ])
    await client.close()
    await left
  })

  it('resumes after a given Last-Event-ID, and iterates the events', async () => {
    const client = await openSse(app, '/events', { lastEventId: '1' })
    const seen: string[] = []
    for await (const event of client) {
      seen.push(event.id ?? event.event)
      if (event.event === 'done') break
    }
    expect(seen).toEqual(['2', '3', 'done'])
    await client.close()
  })

  it('reconnects with the last id received as Last-Event-ID', async () => {
    const first = await openSse(app, '/events')
    await first.waitFor('done')
    expect(first.lastEventId).toBe('3')
    const again = await first.reconnect()
    expect(await again.next()).toEqual({ event: 'done', data: '', id: undefined })
    await again.close()
  })

  it('says what arrived when an event does not come in time', async () => {
    const client = await openSse(app, '/events')
    await expect(client.waitFor('never', { timeout: 300 })).rejects.toThrow(
      'Expected an event of type "never" within 300 ms. Arrived: 4 event(s): ' +
        '{"event":"tick","data":"{\\"n\\":1}","id":"1"}'
    )
    await client.close()
  })
})

describe('openSse() failures', () => {
  it('says the stream ended, and what arrived, when it ends before the events', async () => {
    const app = new Hono()
    app.use(honoSse())
    app.get('/short', (c) => c.var.sse.stream((stream) => stream.send({ data: 'only' })))
    const client = await openSse(app, '/short')
    await expect(client.take(2)).rejects.toThrow(
      'Expected 2 event(s), but the stream ended. Arrived: 1 event(s): {"event":"message","data":"only"}; 0 taken.'
    )
  })

  it('reconnects after the server ended the stream and its server stopped', async () => {
    const app = express()
    app.use(expressSse())
    app.get('/once', async (_req, res) => {
      await res.sse.send({ id: 'last', data: 'bye' })
      res.sse.close()
    })
    const first = await openSse(app, '/once')
    await first.ended
    expect(first.events).toHaveLength(1)
    const again = await first.reconnect()
    expect(again.lastEventId).toBe('last')
    await again.ended
    expect(again.events).toEqual([{ event: 'message', id: 'last', data: 'bye' }])
  })

  it('refuses a target that is not an app or a URL', async () => {
    await expect(openSse({} as SseTarget)).rejects.toThrow(TypeError)
  })
})
