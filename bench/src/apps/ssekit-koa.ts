import Koa from 'koa'
import { sse } from '@ssekit/koa'
import { benchChannel } from '../channel.js'
import { pathOf, type AppFactory } from '../app.js'
import { ssekitRoutes } from './ssekit-core.js'

/** ssekit through its Koa adapter: `ctx.sse`. */
export const ssekitKoa: AppFactory = async ({ upstream, redis }) => {
  const routes = ssekitRoutes(upstream)
  const channel = await benchChannel(redis)
  const app = new Koa()
  app.use(sse())
  app.use(async (ctx) => {
    switch (pathOf(ctx.url)) {
      case '/stream':
        return routes.stream(ctx.sse, ctx.url)
      case '/idle':
        ctx.sse.init()
        return
      case '/slow':
        return routes.slow(ctx.sse, ctx.url)
      case '/relay':
        return routes.relay(ctx.sse, ctx.url)
      case '/subscribe':
        channel.subscribe(ctx.sse)
        return
    }
  })
  return { listener: app.callback(), broadcast: (data) => channel.broadcast({ data }) }
}
