import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { sse } from '@ssekit/hono'
import type { SseStream } from '@ssekit/core'
import { benchChannel } from '../channel.js'
import type { AppFactory } from '../app.js'
import { ssekitRoutes } from './ssekit-core.js'

/** Keeps a Hono stream callback pending until the client leaves. */
function untilClosed(stream: SseStream): Promise<void> {
  return new Promise((resolve) => {
    stream.signal.addEventListener('abort', () => {
      resolve()
    })
  })
}

/** ssekit through its Hono adapter on `@hono/node-server`: `c.var.sse`. */
export const ssekitHono: AppFactory = async ({ upstream, redis }) => {
  const routes = ssekitRoutes(upstream)
  const channel = await benchChannel(redis)
  const app = new Hono()
  app.use(sse())
  app.get('/stream', (c) => c.var.sse.stream((stream) => routes.stream(stream, c.req.url)))
  app.get('/idle', (c) => c.var.sse.stream(untilClosed))
  app.get('/slow', (c) => c.var.sse.stream((stream) => routes.slow(stream, c.req.url)))
  app.get('/relay', (c) => c.var.sse.stream((stream) => routes.relay(stream, c.req.url)))
  app.get('/subscribe', (c) => c.var.sse.stream((stream) => channel.subscribe(stream).closed))
  return {
    listener: getRequestListener(app.fetch),
    broadcast: (data) => channel.broadcast({ data }),
  }
}
