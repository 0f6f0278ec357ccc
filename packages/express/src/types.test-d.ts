import express, { Router } from 'express'
import { describe, expectTypeOf, it } from 'vitest'
import { createChannel, createRelayHub, sse, type SseStream } from './index.js'

describe('res.sse', () => {
  it('is an SseStream in app and router handlers', () => {
    const app = express()
    app.use(sse({ heartbeat: 1000 }))
    app.get('/events', (_req, res) => {
      expectTypeOf(res.sse).toEqualTypeOf<SseStream>()
    })
    Router().get('/events', sse(), (_req, res) => {
      expectTypeOf(res.sse).toEqualTypeOf<SseStream>()
    })
  })

  it('is an SseStream on the exported Response type', () => {
    expectTypeOf<express.Response['sse']>().toEqualTypeOf<SseStream>()
  })

  it('rejects invalid options at compile time', () => {
    // @ts-expect-error heartbeat is a number of milliseconds
    sse({ heartbeat: '15s' })
  })
})

describe('sse() limits and figures', () => {
  it('hands clientKey the request and offers stats()', () => {
    const events = sse({
      maxStreams: 100,
      maxStreamsPerClient: 4,
      clientKey: (req) => {
        expectTypeOf(req).toEqualTypeOf<express.Request>()
        return req.ip ?? ''
      },
    })
    expectTypeOf(events.stats().open).toEqualTypeOf<number>()
    // @ts-expect-error clientKey returns a string
    sse({ clientKey: () => 1 })
  })
})

describe('typed events', () => {
  type AppEvents = { tick: { n: number }; message: string }

  it('sends any event on res.sse without a registered map, as before', () => {
    express().get('/events', async (_req, res) => {
      await res.sse.send({ event: 'anything', data: [1] })
    })
  })

  it('types broadcasts and producers, and takes res.sse in subscribe and attach', () => {
    const news = createChannel<AppEvents>('news')
    const relays = createRelayHub<AppEvents>()
    express().get('/events/:id', async (req, res) => {
      news.subscribe(res.sse)
      await relays.attach(req.params.id, res.sse)
      await news.broadcast({ event: 'tick', data: { n: 1 } })
      // @ts-expect-error tick carries { n: number }
      await news.broadcast({ event: 'tick', data: 'one' })
      await relays.start(async (relay) => {
        await relay.send({ data: 'hello' })
        // @ts-expect-error not an event of AppEvents
        await relay.send({ event: 'tock', data: 'hello' })
      })
    })
  })
})
