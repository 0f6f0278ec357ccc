import { Hono, type Context } from 'hono'
import { describe, expectTypeOf, it } from 'vitest'
import {
  createChannel,
  createRelayHub,
  sse,
  type SseResponder,
  type SseStream,
  type SseVariables,
} from './index.js'

describe('c.var.sse', () => {
  it('is typed in an unchained app through ContextVariableMap', () => {
    const app = new Hono()
    app.use(sse())
    app.get('/events', (c) => {
      expectTypeOf(c.var.sse).toEqualTypeOf<SseResponder>()
      expectTypeOf(c.get('sse')).toEqualTypeOf<SseResponder>()
      return c.var.sse.stream((stream) => {
        expectTypeOf(stream).toEqualTypeOf<SseStream>()
      })
    })
  })

  it('is typed in chained apps and apps declaring SseVariables', () => {
    new Hono().use(sse()).get('/events', (c) => {
      expectTypeOf(c.var.sse).toEqualTypeOf<SseResponder>()
      return c.var.sse.stream(async () => {})
    })
    new Hono<{ Variables: SseVariables & { user: string } }>().get('/events', (c) => {
      expectTypeOf(c.get('sse')).toEqualTypeOf<SseResponder>()
      expectTypeOf(c.var.user).toEqualTypeOf<string>()
      return c.text('ok')
    })
  })

  it('returns a Response from stream() and a promised one from request()', () => {
    expectTypeOf<SseResponder['stream']>().returns.toEqualTypeOf<Response>()
    expectTypeOf<SseResponder['request']>().returns.toEqualTypeOf<Promise<Response>>()
    new Hono().use(sse()).get('/events', (c) => c.var.sse.request({ url: 'http://x.test/' }))
  })
})

describe('sse() limits and figures', () => {
  it('hands clientKey the context and offers stats()', () => {
    const events = sse({
      maxStreams: 100,
      clientKey: (c) => {
        expectTypeOf(c).toEqualTypeOf<Context>()
        return c.req.header('x-user') ?? ''
      },
    })
    expectTypeOf(events.stats().upstreamInFlight).toEqualTypeOf<number>()
  })
})

describe('typed events', () => {
  type AppEvents = { tick: { n: number }; message: string }

  it('types the stream of a route given its map, with no cast', () => {
    new Hono().use(sse()).get('/events', (c) =>
      c.var.sse.stream<AppEvents>(async (stream) => {
        expectTypeOf(stream).toEqualTypeOf<SseStream<AppEvents>>()
        await stream.send({ event: 'tick', data: { n: 1 } })
        await stream.send({ data: 'hello' })
        // @ts-expect-error tick carries { n: number }
        await stream.send({ event: 'tick', data: 'one' })
        // @ts-expect-error not an event of AppEvents
        await stream.send({ event: 'tock' })
      })
    )
  })

  it('sends any event without a map, as before', () => {
    new Hono().use(sse()).get('/events', (c) =>
      c.var.sse.stream(async (stream) => {
        await stream.send({ event: 'anything', data: [1] })
      })
    )
  })

  it('types broadcasts and producers, and takes typed hubs in attach', () => {
    const news = createChannel<AppEvents>('news')
    const relays = createRelayHub<AppEvents>()
    new Hono().use(sse()).get('/events/:id', async (c) => {
      await news.broadcast({ event: 'tick', data: { n: 1 } })
      // @ts-expect-error tick carries { n: number }
      await news.broadcast({ event: 'tick', data: 'one' })
      await relays.start(async (relay) => {
        // @ts-expect-error not an event of AppEvents
        await relay.send({ event: 'tock', data: 'hello' })
      })
      if (c.req.query('live') === undefined) return c.var.sse.attach(relays, c.req.param('id'))
      return c.var.sse.stream((stream) => news.subscribe(stream).closed)
    })
  })
})
