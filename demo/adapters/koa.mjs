// The demo's routes on Koa: `ctx.sse` is each request's stream.
import http from 'node:http'
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { sse } from '@ssekit/koa'
import Koa from 'koa'
import { sseOptions } from '../routes.mjs'

/**
 * @param {import('../routes.mjs').Route[]} routes
 * @returns {import('../routes.mjs').AdapterServer}
 */
export function koaServer(routes) {
  const app = new Koa()
  const events = sse(sseOptions)
  const router = new Router()
  for (const route of routes) {
    router.register(route.path, [route.method], async (ctx) => {
      const request = { params: ctx.params, body: ctx.request.body }
      if (route.reply) {
        const { status, type, body } = route.reply(request)
        ctx.status = status
        ctx.type = type
        ctx.body = body
        return
      }
      const write = route.stream?.(request)
      if (write === undefined) ctx.status = 204
      else await write(ctx.sse)
    })
  }
  app
    .use(bodyParser({ jsonLimit: '16kb' }))
    .use(events)
    .use(router.routes())
  return { server: http.createServer(app.callback()), closeAll: events.closeAll }
}
