import Router from '@koa/router'
import Koa, { type Context, type ParameterizedContext } from 'koa'
import { describe, expectTypeOf, it } from 'vitest'
import { createChannel, createRelayHub, sse, type SseStream } from './index.js'

describe('ctx.sse', () => {
  it('is an SseStream, not any, in app and router handlers', () => {
    const app = new Koa()
    app.use(sse())
    app.use((ctx) => {
      expectTypeOf(ctx.sse).toEqualTypeOf<SseStream>()
    })
    const router = new Router()
    router.get('/events', sse({ retry: 1000 }), (ctx) => {
      expectTypeOf(ctx.sse).toEqualTypeOf<SseStream>()
    })
  })

  it('is an SseStream on Context and custom parameterized contexts', () => {
    expectTypeOf<Context['sse']>().toEqualTypeOf<SseStream>()
    expectTypeOf<ParameterizedContext<{ user: string }>['sse']>().toEqualTypeOf<SseStream>()
  })
})

describe('sse() limits and figures', () => {
  it('hands clientKey the context and offers stats()', () => {
    const events = sse({
      maxStreamsPerClient: 4,
      clientKey: (ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<Context>()
        return ctx.ip
      },
    })
    expectTypeOf(events.stats().refused).toEqualTypeOf<number>()
  })
})

describe('typed events', () => {
  type AppEvents = { tick: { n: number }; message: string }

  it('sends any event on ctx.sse without a registered map, as before', () => {
    new Koa().use(async (ctx) => {
      await ctx.sse.send({ event: 'anything', data: [1] })
    })
  })

  it('types broadcasts and producers, and takes ctx.sse in subscribe and attach', () => {
    const news = createChannel<AppEvents>('news')
    const relays = createRelayHub<AppEvents>()
    new Router().get('/events/:id', async (ctx) => {
      news.subscribe(ctx.sse)
      await relays.attach(ctx.params['id'] ?? '', ctx.sse)
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
