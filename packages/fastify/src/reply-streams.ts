import type { SseStream } from '@ssekit/core'
import { nodeStreams } from '@ssekit/core/adapter'
import type { FastifyReply, RouteOptions } from 'fastify'

type Handler = RouteOptions['handler']

/** Replies whose stream started (or was refused): Fastify no longer answers them. */
const takenOver = new WeakSet<FastifyReply>()

/** The stream of each reply, created on the first read of `reply.sse`. */
export const replyStreams = nodeStreams<FastifyReply>({
  request: (reply) => reply.request.raw,
  response: (reply) => reply.raw,
  clientKeyArgument: (reply) => reply.request,
  onOpen: takeOver,
})

/**
 * Takes the response over from Fastify, the way it documents for writing to `reply.raw`, and
 * carries over the headers set through `reply.header()` (by hooks such as `@fastify/cors`),
 * which Fastify would otherwise only write when it sends a payload itself.
 */
function takeOver(reply: FastifyReply): void {
  takenOver.add(reply)
  reply.hijack()
  const { raw } = reply
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) raw.setHeader(name, value)
  }
}

/**
 * Wraps a route's handler so that the stream of its reply follows the handler. When the
 * handler returns nothing (or `reply`) without answering, a stream it created but did not
 * start starts: Fastify would otherwise answer with an empty body. When it answered otherwise
 * (`reply.send()`, a returned payload) or failed, such a stream ends, so it holds no admission
 * slot, and Fastify answers as usual. A handler failing after its stream started ends it.
 *
 * @param handler - The route's handler.
 * @returns A handler that calls `handler` and returns what it returns.
 */
export function followHandler(handler: Handler): Handler {
  return function handleWithStream(request, reply) {
    let result: unknown
    try {
      result = handler.call(this, request, reply)
    } catch (error) {
      replyStreams.created(reply)?.close()
      throw error
    }
    // A returned `reply` is itself a thenable, settled when the response ends.
    if (result === reply || !isThenable(result)) {
      settle(reply, result)
      return result
    }
    return Promise.resolve(result).then(
      (payload: unknown) => {
        settle(reply, payload)
        return payload
      },
      (error: unknown) => {
        replyStreams.created(reply)?.close()
        throw error
      }
    )
  }
}

function settle(reply: FastifyReply, payload: unknown): void {
  const stream: SseStream | undefined = replyStreams.created(reply)
  if (stream === undefined || takenOver.has(reply)) return
  if ((payload === undefined || payload === reply) && !reply.sent) stream.init()
  else stream.close()
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}
