import { resolveMiddlewareOptions, type SseAdapterOptions } from '@ssekit/core/adapter'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import { followHandler, replyStreams } from './reply-streams.js'

/**
 * Options of Fastify's {@link sse} plugin: stream defaults and admission limits; `clientKey`
 * gets Fastify's `request`.
 */
export type SsePluginOptions = SseAdapterOptions<FastifyRequest>

// Async, so that an invalid option rejects `register` instead of throwing out of Fastify's boot.
// eslint-disable-next-line @typescript-eslint/require-await
const plugin: FastifyPluginAsync<SsePluginOptions> = async (fastify, options) => {
  const resolved = resolveMiddlewareOptions(options)
  fastify.decorateReply('sse', {
    getter(this: FastifyReply) {
      return replyStreams.streamOf(this, resolved)
    },
  })
  fastify.addHook('onRoute', (route) => {
    route.handler = followHandler(route.handler)
  })
  // Before Fastify closes its server, which waits for every connection to end.
  fastify.addHook('preClose', async () => {
    await resolved.group.closeAll()
  })
}

/**
 * Fastify plugin that gives every handler `reply.sse`, the {@link SseStream} of the request.
 * Registered without encapsulation, so routes of the whole app (or of the context it is
 * registered in) see it. The stream is created when a handler first reads `reply.sse`;
 * replies that never do are left to Fastify.
 *
 * Once started, the stream takes the reply over from Fastify (`reply.hijack()`) and writes to
 * `reply.raw`, keeping the headers hooks set (CORS). Events reach the client while the handler
 * is still running. A stream the handler created but did not start starts when the handler
 * returns without answering otherwise, and stays open until `reply.sse.close()` or the client
 * leaves. A handler that throws ends its stream; before the stream started, Fastify's error
 * handler answers as usual.
 * `app.close()` ends every open stream.
 *
 * With `maxStreams` or `maxStreamsPerClient`, a stream past a limit is refused when a handler
 * first reads `reply.sse`: the client gets `503` or `429` with `Retry-After`, and the handler a
 * stream that behaves as if its client had left.
 *
 * @param options - Defaults for every stream of this plugin (`reply.sse.init(options)`
 * overrides them per stream) and its admission limits.
 * @throws TypeError naming the first invalid option, when the plugin is registered.
 *
 * @example
 * ```ts
 * await app.register(sse, { heartbeat: 15_000 })
 * app.get('/events', async (request, reply) => {
 *   await reply.sse.send({ event: 'tick', data: { n: 1 } })
 * })
 * ```
 */
export const sse: FastifyPluginAsync<SsePluginOptions> = fastifyPlugin(plugin, {
  fastify: '5.x',
  name: '@ssekit/fastify',
})
