import * as v from 'valibot'
import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import type { SseStream } from '../stream/types.js'
import type { UpstreamEvent } from '../event/upstream-event.js'
import { sseEvents } from './iterate.js'
import type { SseRequestResult } from './options.js'
import { sseRequest } from './request.js'

const url = 'http://upstream.test/'
const zodSchema = z.object({ n: z.number(), tag: z.string().optional() })
const valibotSchema = v.object({ delta: v.string() })

describe('events typed from the schema', () => {
  it('types sseRequest results from a Zod schema', () => {
    expectTypeOf(sseRequest({ url, schema: zodSchema })).resolves.toEqualTypeOf<
      SseRequestResult<{ n: number; tag?: string | undefined }>
    >()
    expectTypeOf(sseRequest({ url })).resolves.toEqualTypeOf<SseRequestResult>()
  })

  it('types sseEvents from a Valibot schema', () => {
    expectTypeOf(sseEvents({ url, schema: valibotSchema })).toEqualTypeOf<
      AsyncIterableIterator<UpstreamEvent<{ delta: string }>>
    >()
    expectTypeOf(sseEvents({ url })).toEqualTypeOf<AsyncIterableIterator<UpstreamEvent>>()
  })

  it('types stream.request from the schema', () => {
    const stream = {} as SseStream
    expectTypeOf(stream.request({ url, schema: zodSchema, forward: true }))
      .resolves.toHaveProperty('events')
      .toEqualTypeOf<UpstreamEvent<{ n: number; tag?: string | undefined }>[]>()
  })
})
