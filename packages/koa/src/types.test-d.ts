import Router from '@koa/router'
import Koa, { type Context, type ParameterizedContext } from 'koa'
import { describe, expectTypeOf, it } from 'vitest'
import { sse, type SseStream } from './index.js'

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
