import { getRequestListener } from '@hono/node-server'
import express, { type Response } from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import {
  pathOf,
  payload,
  SSE_HEADERS,
  streamParams,
  writeEachEvent,
  type AppFactory,
} from '../app.js'

/*
 * The frameworks alone with hand-written streams: the memory a framework costs per open
 * response before any SSE library, next to which each adapter is read.
 */

/** Express 5 writing the head itself, and a raw loop of `res.write` over its responses. */
export const expressAlone: AppFactory = () => {
  const app = express()
  const subscribers = new Set<Response>()
  app.get('/stream', (req, res) => void writeEachEvent(req, res))
  app.get('/idle', (_req, res) => {
    res.writeHead(200, SSE_HEADERS)
    res.flushHeaders()
  })
  app.get('/subscribe', (_req, res) => {
    res.writeHead(200, SSE_HEADERS)
    res.flushHeaders()
    subscribers.add(res)
    res.on('close', () => subscribers.delete(res))
  })
  return {
    listener: app,
    broadcast: (data) => {
      const frame = `data: ${data}\n\n`
      for (const res of subscribers) res.write(frame)
    },
  }
}

/** Koa 3 with `ctx.respond = false`, writing the head itself. */
export const koaAlone: AppFactory = () => {
  const app = new Koa()
  app.use((ctx) => {
    ctx.respond = false
    if (pathOf(ctx.url) === '/stream') return void writeEachEvent(ctx.req, ctx.res)
    ctx.res.writeHead(200, SSE_HEADERS)
    ctx.res.flushHeaders()
  })
  return { listener: app.callback() }
}

/**
 * Hono on `@hono/node-server` answering with a plain `ReadableStream` body; `/stream` enqueues
 * one encoded frame each time the stream asks for more.
 */
export const honoAlone: AppFactory = () => {
  const app = new Hono()
  app.get('/idle', (c) => c.body(new ReadableStream<Uint8Array>(), 200, SSE_HEADERS))
  app.get('/stream', (c) => {
    const { n, size } = streamParams(c.req.url)
    const data = payload(size)
    const encoder = new TextEncoder()
    let i = 0
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (i === n) {
          controller.close()
          return
        }
        controller.enqueue(encoder.encode(`id: ${i}\ndata: ${data}\n\n`))
        i++
      },
    })
    return c.body(body, 200, SSE_HEADERS)
  })
  return { listener: getRequestListener(app.fetch) }
}

/**
 * Fastify 5 taking the reply over (`reply.hijack()`) and writing the head itself, and a raw loop
 * of `res.write` on `/stream`.
 */
export const fastifyAlone: AppFactory = async () => {
  const app = Fastify()
  app.get('/stream', (request, reply) => {
    reply.hijack()
    void writeEachEvent(request.raw, reply.raw)
  })
  app.get('/idle', (_request, reply) => {
    reply.hijack()
    reply.raw.writeHead(200, SSE_HEADERS)
    reply.raw.flushHeaders()
  })
  await app.ready()
  return { listener: (req, res) => app.routing(req, res) }
}
