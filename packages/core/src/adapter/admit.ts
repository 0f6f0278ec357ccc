import type { SseStream } from '../stream/stream.js'
import { createRefusedStream } from '../stream/refused-stream.js'
import type { Refusal } from './admission.js'
import type { MiddlewareStreamOptions } from './middleware-options.js'

/** A stream for a request, and how to answer if its limits refused it. */
export interface Admitted {
  readonly stream: SseStream
  /** Set when a limit refused the stream: answer with this status and headers. */
  readonly refusal: Refusal | undefined
}

/**
 * Creates a request's stream if the middleware's admission limits allow it, else an ended
 * stream and the refusal the adapter answers with. Every adapter calls it when a request's
 * stream is first needed.
 *
 * @param options - The middleware's options, from `resolveMiddlewareOptions`.
 * @param request - What `clientKey` receives: Express's `req`, Koa's `ctx`, Hono's `c`.
 * @param peer - Reads the connection's peer address, when the runtime knows it.
 * @param lastEventId - Reads the request's `Last-Event-ID`, for a refused stream.
 * @param create - Creates the stream once it is admitted.
 * @returns The stream, and the refusal if any.
 * @throws TypeError when `clientKey` does not return a string.
 */
export function admitStream(
  options: MiddlewareStreamOptions,
  request: unknown,
  peer: () => string | undefined,
  lastEventId: () => string | undefined,
  create: () => SseStream
): Admitted {
  const { admission } = options
  if (admission === undefined) return { stream: create(), refusal: undefined }
  const verdict = admission.admit(request, peer)
  if (typeof verdict !== 'string') {
    return { stream: createRefusedStream(lastEventId(), options, verdict.status), refusal: verdict }
  }
  const stream = create()
  admission.admitted(stream, verdict)
  return { stream, refusal: undefined }
}
