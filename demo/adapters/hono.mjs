// The demo's routes on Hono, served by `@hono/node-server`: `c.var.sse.stream(callback)`
// answers with an event stream.
import { createAdaptorServer } from '@hono/node-server'
import { RelayNotFoundError, sse } from '@ssekit/hono'
import { Hono } from 'hono'
import { NOT_FOUND, sseOptions } from '../routes.mjs'

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
      const reply = (/** @type {import('../routes.mjs').Reply} */ { status, type, body }) =>
        c.body(body, status, { 'Content-Type': type })
      if (route.reply) return reply(await route.reply(request))
      if (route.attach) {
        const { hub, id } = route.attach(request)
        // Hono answers when the stream starts: its own `attach` answers 404 or 204 first.
        return c.var.sse.attach(hub, id).catch((error) => {
          if (!(error instanceof RelayNotFoundError)) throw error
          return reply(NOT_FOUND)
        })
      }
      const write = route.stream?.(request)
      return write === undefined ? c.body(null, 204) : c.var.sse.stream(write)
    })
  }
  return { server: createAdaptorServer({ fetch: app.fetch }), closeAll: events.closeAll }
}
