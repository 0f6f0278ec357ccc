// The demo's routes on Express: `res.sse` is each request's stream.
import http from 'node:http'
import { RelayNotFoundError, sse } from '@ssekit/express'
import express from 'express'
import { NOT_FOUND, sseOptions } from '../routes.mjs'

/**
 * @param {import('../routes.mjs').Route[]} routes
 * @returns {import('../routes.mjs').AdapterServer}
 */
export function expressServer(routes) {
  const app = express()
  const events = sse(sseOptions)
  app.use(express.json({ limit: '16kb' }), events)
  for (const route of routes) {
    app[route.method === 'GET' ? 'get' : 'post'](route.path, async (req, res) => {
      const request = { params: req.params, body: req.body }
      if (route.reply) {
        const { status, type, body } = await route.reply(request)
        res.status(status).set('Content-Type', type).send(body)
        return
      }
      if (route.attach) {
        const { hub, id } = route.attach(request)
        try {
          await hub.attach(id, res.sse)
        } catch (error) {
          if (!(error instanceof RelayNotFoundError)) throw error
          res.status(NOT_FOUND.status).set('Content-Type', NOT_FOUND.type).send(NOT_FOUND.body)
        }
        return
      }
      const write = route.stream?.(request)
      if (write === undefined) res.status(204).end()
      else await write(res.sse)
    })
  }
  return { server: http.createServer(app), closeAll: events.closeAll }
}
