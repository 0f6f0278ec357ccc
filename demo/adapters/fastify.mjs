// The demo's routes on Fastify: `reply.sse` is each request's stream.
import { createStreamGroup, RelayNotFoundError, sse } from '@ssekit/fastify'
import Fastify from 'fastify'
import { NOT_FOUND, sseOptions } from '../routes.mjs'

/**
 * @param {import('../routes.mjs').Route[]} routes
 * @returns {Promise<import('../routes.mjs').AdapterServer>}
 */
export async function fastifyServer(routes) {
  const app = Fastify({ bodyLimit: 16 * 1024 })
  // The plugin's streams join this group, whose `closeAll` the demo calls at shutdown.
  const group = createStreamGroup()
  await app.register(sse, { ...sseOptions, group })
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (req, res) => {
        const request = {
          params: /** @type {Record<string, string>} */ (req.params),
          body: req.body,
        }
        const send = (/** @type {import('../routes.mjs').Reply} */ { status, type, body }) =>
          res.code(status).type(type).send(body)
        if (route.reply) return send(await route.reply(request))
        if (route.attach) {
          const { hub, id } = route.attach(request)
          try {
            await hub.attach(id, res.sse)
          } catch (error) {
            if (!(error instanceof RelayNotFoundError)) throw error
            return send(NOT_FOUND)
          }
          return undefined
        }
        const write = route.stream?.(request)
        if (write === undefined) return res.code(204).send()
        await write(res.sse)
        return undefined
      },
    })
  }
  await app.ready()
  return { server: app.server, closeAll: (options) => group.closeAll(options) }
}
