import { createParser } from 'eventsource-parser'
import Fastify, { type FastifyPluginAsync, type FastifyReply, type RouteOptions } from 'fastify'
import { payload, produceSlowly, streamParams, upstreamUrl, type AppFactory } from '../app.js'

/** The part of `@fastify/sse`'s `reply.sse` the routes use. */
interface FastifySseReply {
  readonly isConnected: boolean
  send(message: { id?: string; event?: string; data: string }): Promise<void>
  sendHeaders(): void
  keepAlive(): void
  onClose(callback: () => void): void
}

// `@fastify/sse` declares its own type for `reply.sse`, which cannot share one TypeScript
// program with ssekit's: the module is loaded by a specifier TypeScript does not follow, and
// its `reply.sse` read through the interface above.
const FASTIFY_SSE = '@fastify/sse'

function sseOf(reply: FastifyReply): FastifySseReply {
  return (reply as unknown as { sse: FastifySseReply }).sse
}

/** Fastify's own `@fastify/sse` plugin, on SSE-only routes, sending string data as is. */
export const fastifySse: AppFactory = async ({ upstream }) => {
  const plugin = (
    (await import(FASTIFY_SSE)) as {
      default: FastifyPluginAsync<{ serializer: (data: unknown) => string }>
    }
  ).default
  const app = Fastify()
  await app.register(plugin, { serializer: String })
  const route = (url: string, handler: RouteOptions['handler']): void => {
    app.route({ method: 'GET', url, sse: 'only', handler } as RouteOptions)
  }
  route('/stream', async (request, reply) => {
    const sse = sseOf(reply)
    const { n, size } = streamParams(request.url)
    const data = payload(size)
    for (let i = 0; i < n && sse.isConnected; i++) await sse.send({ id: String(i), data })
  })
  route('/idle', (_request, reply) => {
    const sse = sseOf(reply)
    sse.keepAlive()
    sse.sendHeaders()
  })
  route('/slow', async (request, reply) => {
    const sse = sseOf(reply)
    const data = payload(streamParams(request.url).size)
    await produceSlowly(
      (i) => sse.send({ id: String(i), data }).then(() => sse.isConnected),
      () => sse.isConnected
    )
  })
  route('/relay', async (request, reply) => {
    const sse = sseOf(reply)
    const abort = new AbortController()
    sse.onClose(() => {
      abort.abort()
    })
    const response = await fetch(upstreamUrl(upstream, request.url), { signal: abort.signal })
    const events: { id?: string; event?: string; data: string }[] = []
    const parser = createParser({ onEvent: (event) => events.push(event) })
    const decoder = new TextDecoder()
    for await (const chunk of response.body!) {
      parser.feed(decoder.decode(chunk, { stream: true }))
      for (const event of events) await sse.send(event)
      events.length = 0
    }
  })
  await app.ready()
  return { listener: (req, res) => app.routing(req, res) }
}
