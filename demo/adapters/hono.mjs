// The demo's routes on Hono, served by `@hono/node-server`: `c.var.sse.stream(callback)`
// answers with an event stream.
import { createAdaptorServer } from '@hono/node-server'
import { sse } from '@ssekit/hono'
import { Hono } from 'hono'
import { sseOptions } from '../routes.mjs'

/**
 * @param {import('../routes.mjs').Route[]} routes
 * @returns {import('../routes.mjs').AdapterServer}
 */
export function honoServer(routes) {
  const app = new Hono()
  const events = sse(sseOptions)
  app.use(events)
  for (const route of routes) {
    app.on(route.method, route.path, async (c) => {
      // Hono parses a body only when asked; a malformed one is left for the route to refuse.
      const json = route.method === 'POST' ? await c.req.json().catch(() => undefined) : undefined
      const request = { params: c.req.param(), body: json }
      if (route.reply) {
        const { status, type, body } = route.reply(request)
        return c.body(body, status, { 'Content-Type': type })
      }
      const write = route.stream?.(request)
      return write === undefined ? c.body(null, 204) : c.var.sse.stream(write)
    })
  }
  return { server: createAdaptorServer({ fetch: app.fetch }), closeAll: events.closeAll }
}
