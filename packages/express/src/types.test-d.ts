import express, { Router } from 'express'
import { describe, expectTypeOf, it } from 'vitest'
import { sse, type SseStream } from './index.js'

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
