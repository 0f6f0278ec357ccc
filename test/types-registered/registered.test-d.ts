import Router from '@koa/router'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { describe, expectTypeOf, it } from 'vitest'
import { createChannel, createRelayHub, sse, type SseStream } from '@ssekit/express'
import { sse as koaSse } from '@ssekit/koa'
import { sse as honoSse } from '@ssekit/hono'
import { sse as fastifySse } from '@ssekit/fastify'
import type { AppEvents } from './register.js'

describe('an event map registered once', () => {
  it('types res.sse in Express', () => {
    express()
      .use(sse())
      .get('/events', async (_req, res) => {
        expectTypeOf(res.sse).toEqualTypeOf<SseStream<AppEvents>>()
        await res.sse.send({ event: 'tick', data: { n: 1 } })
        await res.sse.send({ data: 'hello' })
        await res.sse.comment('keep-alive')
        // @ts-expect-error tick carries { n: number }
        await res.sse.send({ event: 'tick', data: 'one' })
        // @ts-expect-error not an event of AppEvents
        await res.sse.send({ event: 'tock', data: 'one' })
      })
  })

  it('types ctx.sse in Koa', () => {
    new Koa().use(koaSse())
    new Router().get('/events', async (ctx) => {
      await ctx.sse.send({ event: 'tick', data: { n: 1 } })
      // @ts-expect-error tick carries { n: number }
      await ctx.sse.send({ event: 'tick', data: { n: '1' } })
      // @ts-expect-error message carries a string
      await ctx.sse.send({ data: 1 })
    })
  })

  it("types the stream in Hono's callback", () => {
    new Hono().use(honoSse()).get('/events', (c) =>
      c.var.sse.stream(async (stream) => {
        await stream.send({ event: 'tick', data: { n: 1 } })
        // @ts-expect-error not an event of AppEvents
        await stream.send({ event: 'tock' })
      })
    )
  })

  it('types reply.sse in Fastify', async () => {
    const app = Fastify()
    await app.register(fastifySse)
    app.get('/events', async (_request, reply) => {
      expectTypeOf(reply.sse).toEqualTypeOf<SseStream<AppEvents>>()
      await reply.sse.send({ event: 'tick', data: { n: 1 } })
      // @ts-expect-error tick carries { n: number }
      await reply.sse.send({ event: 'tick', data: 1 })
      // @ts-expect-error not an event of AppEvents
      await reply.sse.send({ event: 'tock', data: 'one' })
    })
  })

  it('types channels and relay producers by default', () => {
    const news = createChannel('news')
    void news.broadcast({ event: 'tick', data: { n: 2 } })
    // @ts-expect-error tick carries { n: number }
    void news.broadcast({ event: 'tick', data: {} })
    void createRelayHub().start(async (relay) => {
      await relay.send({ data: 'text' })
      // @ts-expect-error message carries a string
      await relay.send({ data: { text: 1 } })
    })
  })
})
