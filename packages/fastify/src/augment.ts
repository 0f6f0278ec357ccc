import type { SseStream } from '@ssekit/core'

declare module 'fastify' {
  interface FastifyReply {
    /**
     * The request's event stream, created on first read. Present once the `sse` plugin of
     * `@ssekit/fastify` is registered.
     */
    readonly sse: SseStream
  }
}
