// The demo's routes on Koa: `ctx.sse` is each request's stream.
import http from 'node:http'
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { RelayNotFoundError, sse } from '@ssekit/koa'
import Koa from 'koa'
import { NOT_FOUND, sseOptions } from '../routes.mjs'

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
      const reply = (/** @type {import('../routes.mjs').Reply} */ { status, type, body }) => {
        ctx.status = status
        ctx.type = type
        ctx.body = body
      }
      if (route.reply) return reply(await route.reply(request))
      if (route.attach) {
        const { hub, id } = route.attach(request)
        try {
          await hub.attach(id, ctx.sse)
        } catch (error) {
          if (!(error instanceof RelayNotFoundError)) throw error
          reply(NOT_FOUND)
        }
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
