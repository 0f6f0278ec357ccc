import { Hono, type Context } from 'hono'
import { describe, expectTypeOf, it } from 'vitest'
import { sse, type SseResponder, type SseStream, type SseVariables } from './index.js'

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
