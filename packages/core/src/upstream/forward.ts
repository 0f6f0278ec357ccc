import type { Collector } from './collect.js'
import { collectEvents, runRequest, type Consume } from './request.js'
import { resolveRequestOptions, type ResolvedRequest } from './resolve-request.js'
import { type SseRequestOptions, type SseRequestResult } from './options.js'
import type { AnySseStream, SseStream } from '../stream/types.js'
import type { UntypedEvents } from '../event/typed.js'
import type { UpstreamCall } from './call.js'
import type { SseLogger } from '../util/log.js'

/**
 * Relays each event into the stream as it arrives. Each send is awaited before the next read,
 * so a client that reads slowly slows the upstream read instead of filling memory.
 */
function relayInto(stream: AnySseStream, onStarted?: () => void): Consume {
  return async (call: UpstreamCall, collector: Collector) => {
    // Only now: a handler that catches an upstream error can still answer with a status.
    stream.init()
    onStarted?.()
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
 * @param streamLogger - The stream's debug logger, which the request logs to unless it sets
 * `debug` itself.
 * @returns The events received and whether the client left.
 * @throws See {@link sseRequest}.
 */
export function streamRequest(
  stream: SseStream<UntypedEvents>,
  options: SseRequestOptions,
  streamLogger?: SseLogger
): Promise<SseRequestResult> {
  let request: ResolvedRequest
  try {
    request = resolveRequestOptions(options, streamLogger)
  } catch (error) {
    return Promise.reject(error)
  }
  return runRequest(request, stream.signal, request.forward ? relayInto(stream) : collectEvents)
}

/** A forwarding request whose upstream passed its check: the stream has started. */
export interface StartedForwarding {
  /** Settles as {@link SseStream.request} does, once the relay ends. */
  readonly finished: Promise<SseRequestResult>
}

/**
 * Forwards an upstream event stream into `stream` (`forward: true`), and tells when the
 * upstream passed its check: for adapters whose route must return the response only once
 * that is known, such as Hono's `c.var.sse.request`.
 *
 * @param stream - The stream to the client, not started yet.
 * @param options - The request; `forward` is taken as `true`.
 * @param streamLogger - The stream's debug logger, which the request logs to unless it sets
 * `debug` itself.
 * @returns Resolves once the upstream answered 200 `text/event-stream` and the stream was
 * started (or the relay ended without that, e.g. because the client left first).
 * @throws Rejects with the first connection's failure ({@link SseUpstreamError},
 * {@link SseTimeoutError}), the `signal`'s reason, or a TypeError for an invalid option; the
 * stream is then not started.
 */
export function forwardOnceStarted(
  stream: AnySseStream,
  options: SseRequestOptions,
  streamLogger?: SseLogger
): Promise<StartedForwarding> {
  let request: ResolvedRequest
  try {
    request = resolveRequestOptions(options, streamLogger)
  } catch (error) {
    return Promise.reject(error)
  }
  return new Promise((resolve, reject) => {
    let started = false
    const finished = runRequest(
      { ...request, forward: true },
      stream.signal,
      relayInto(stream, () => {
        started = true
        resolve({ finished })
      })
    )
    finished.then(
      () => {
        if (!started) resolve({ finished })
      },
      (error: unknown) => {
        if (!started) reject(error)
      }
    )
  })
}
