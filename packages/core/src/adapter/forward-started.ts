import { forwardOnceStarted, type StartedForwarding } from '../upstream/forward.js'
import type { SseRequestOptions } from '../upstream/options.js'
import { streamOptions, type InternalStream } from '../stream/internal.js'
import type { AnySseStream } from '../stream/types.js'

/**
 * Forwards an upstream event stream into a stream that is not started yet, and tells when the
 * upstream passed its check: for adapters whose route must return the response only once that
 * is known, such as Hono's `c.var.sse.request`. The request logs where the stream logs (its
 * `debug` option) unless it sets `debug` itself.
 *
 * @param stream - The stream to the client, made by `createSseStream` and not started yet.
 * @param options - The request; `forward` is taken as `true`.
 * @returns Resolves once the upstream answered 200 `text/event-stream` and the stream was
 * started (or the relay ended without that, e.g. because the client left first).
 * @throws Rejects with the first connection's failure, the `signal`'s reason, or a TypeError
 * for an invalid option; the stream is then not started.
 */
export function forwardStream(
  stream: AnySseStream,
  options: SseRequestOptions
): Promise<StartedForwarding> {
  const logger = (stream as Partial<InternalStream>)[streamOptions]?.logger
  return forwardOnceStarted(stream, options, logger)
}
