import express from 'express'
import { sse } from '@ssekit/express'
import { benchChannel } from '../channel.js'
import type { AppFactory } from '../app.js'
import { ssekitRoutes } from './ssekit-core.js'

/** ssekit through its Express adapter: `res.sse`. */
export const ssekitExpress: AppFactory = async ({ upstream, redis }) => {
  const routes = ssekitRoutes(upstream)
  const channel = await benchChannel(redis)
  const app = express()
  app.use(sse())
  app.get('/stream', (req, res) => void routes.stream(res.sse, req.url))
  app.get('/idle', (_req, res) => void res.sse.init())
  app.get('/slow', (req, res) => void routes.slow(res.sse, req.url))
  app.get('/relay', (req, res) => void routes.relay(res.sse, req.url))
  app.get('/subscribe', (_req, res) => void channel.subscribe(res.sse))
  return {
    listener: app,
    broadcast: (data) => channel.broadcast({ data }),
  }
}
