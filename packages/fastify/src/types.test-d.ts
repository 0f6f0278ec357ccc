import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import { sse, type SsePluginOptions, type SseStream } from './index.js'

describe('reply.sse', () => {
  it('is an SseStream in handlers, hooks and encapsulated plugins', async () => {
    const app = Fastify()
    await app.register(sse, { heartbeat: 1000 })
    app.get('/events', async (_request, reply) => {
      expectTypeOf(reply.sse).toEqualTypeOf<SseStream>()
      await reply.sse.send({ data: 'hi' })
    })
    app.addHook('preHandler', async (_request, reply) => {
      expectTypeOf(reply.sse).toEqualTypeOf<SseStream>()
    })
    await app.register((api, _options, done) => {
      api.get('/events', (_request, reply) => {
        expectTypeOf(reply.sse).toEqualTypeOf<SseStream>()
      })
      done()
    })
  })

  it('is an SseStream on the exported FastifyReply type', () => {
    expectTypeOf<FastifyReply['sse']>().toEqualTypeOf<SseStream>()
  })

  it('rejects invalid options at compile time', async () => {
    const app = Fastify()
    // @ts-expect-error heartbeat is a number of milliseconds
    await app.register(sse, { heartbeat: '15s' })
  })
})

describe('the plugin limits', () => {
  it('hands clientKey the Fastify request', async () => {
    const app = Fastify()
    await app.register(sse, {
      maxStreams: 100,
      maxStreamsPerClient: 4,
      clientKey: (request) => {
        expectTypeOf(request).toEqualTypeOf<FastifyRequest>()
        return request.ip
      },
    })
    expectTypeOf<SsePluginOptions['clientKey']>().toEqualTypeOf<
      ((request: FastifyRequest) => string) | undefined
    >()
    // @ts-expect-error clientKey returns a string
    await app.register(sse, { clientKey: () => 1 })
  })
})
