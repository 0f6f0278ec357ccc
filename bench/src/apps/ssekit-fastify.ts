import Fastify from 'fastify'
import { sse } from '@ssekit/fastify'
import { benchChannel } from '../channel.js'
import type { AppFactory } from '../app.js'
import { ssekitRoutes } from './ssekit-core.js'

/** ssekit through its Fastify plugin: `reply.sse`. */
export const ssekitFastify: AppFactory = async ({ upstream, redis }) => {
  const routes = ssekitRoutes(upstream)
  const channel = await benchChannel(redis)
  const app = Fastify()
  await app.register(sse)
  app.get('/stream', (request, reply) => void routes.stream(reply.sse, request.url))
  app.get('/idle', (_request, reply) => void reply.sse.init())
  app.get('/slow', (request, reply) => void routes.slow(reply.sse, request.url))
  app.get('/relay', (request, reply) => void routes.relay(reply.sse, request.url))
  app.get('/subscribe', (_request, reply) => void channel.subscribe(reply.sse))
  await app.ready()
  return {
    listener: (req, res) => app.routing(req, res),
    broadcast: (data) => channel.broadcast({ data }),
  }
}
