import type { Collector } from './collect.js'
import { collectEvents, runRequest, type Consume } from './request.js'
import { resolveRequestOptions, type ResolvedRequest } from './resolve-request.js'
import { type SseRequestOptions, type SseRequestResult } from './options.js'
import type { SseStream } from '../stream/types.js'
import type { UpstreamCall } from './call.js'

/**
 * Relays each event into the stream as it arrives. Each send is awaited before the next read,
 * so a client that reads slowly slows the upstream read instead of filling memory.
 */
function relayInto(stream: SseStream): Consume {
  return async (call: UpstreamCall, collector: Collector) => {
    // Only now: a handler that catches an upstream error can still answer with a status.
    stream.init()
    const queue = call.queue
    while (await call.read()) {
      for (const event of queue) {
        collector.add(event)
        if ((await stream.send(event)).clientDisconnected) return true
      }
      queue.length = 0
    }
    return false
  }
}

/**
 * `SseStream.request`: calls an upstream event stream on behalf of the stream's client,
 * collecting its events and, with `forward: true`, relaying them live. The client leaving
 * closes the upstream connection and resolves with `clientDisconnected: true`.
 *
 * @param stream - The stream to the client.
 * @param options - The request.
 * @returns The events received and whether the client left.
 * @throws See {@link sseRequest}.
 */
export function streamRequest(
  stream: SseStream,
  options: SseRequestOptions
): Promise<SseRequestResult> {
  let request: ResolvedRequest
  try {
    request = resolveRequestOptions(options)
  } catch (error) {
    return Promise.reject(error)
  }
  return runRequest(request, stream.signal, request.forward ? relayInto(stream) : collectEvents)
}
