import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { sse } from '@ssekit/hono'
import type { SseStream } from '@ssekit/core'
import { benchChannel } from '../channel.js'
import type { AppConfig, AppFactory } from '../app.js'
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
export const ssekitHono: AppFactory = async (config) => {
  const { app, broadcast } = await honoApp(config)
  return { listener: getRequestListener(app.fetch), broadcast }
}

/**
 * The same app served without Node's request and response in `c.env`, as on runtimes other
 * than Node: the adapter stays on the web-standard path, writing into the body stream.
 */
export const ssekitHonoWeb: AppFactory = async (config) => {
  const { app, broadcast } = await honoApp(config)
  return { listener: getRequestListener((request) => app.fetch(request)), broadcast }
}

async function honoApp({ upstream, redis }: AppConfig): Promise<{
  app: Hono
  broadcast: (data: string) => unknown
}> {
  const routes = ssekitRoutes(upstream)
  const channel = await benchChannel(redis)
  const app = new Hono()
  app.use(sse())
  app.get('/stream', (c) => c.var.sse.stream((stream) => routes.stream(stream, c.req.url)))
  app.get('/idle', (c) => c.var.sse.stream(untilClosed))
  app.get('/slow', (c) => c.var.sse.stream((stream) => routes.slow(stream, c.req.url)))
  app.get('/relay', (c) => c.var.sse.stream((stream) => routes.relay(stream, c.req.url)))
  app.get('/subscribe', (c) => c.var.sse.stream((stream) => channel.subscribe(stream).closed))
  return { app, broadcast: (data) => channel.broadcast({ data }) }
}
