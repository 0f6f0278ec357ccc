import { Collector } from './collect.js'
import { withEvents } from './errors.js'
import { resolveRequestOptions, type ResolvedRequest } from './resolve-request.js'
import {
  type SseEventSchema,
  type SseRequestOptions,
  type SseRequestResult,
  type SseSchemaOutput,
} from './options.js'
import { UpstreamCall } from './call.js'
import { upstreamTraced, upstreamTracing, type SseUpstreamTraceContext } from './diagnostics.js'

/**
 * Takes the events of a call whose first connection opened, until the upstream ends.
 *
 * @returns `true` when the downstream client left before the upstream ended.
 */
export type Consume = (call: UpstreamCall, collector: Collector) => Promise<boolean>

/**
 * Runs one upstream request: opens the first connection, hands the call to `consume`, and
 * turns how it ended into the result. Whatever happens, the upstream connection, timers and
 * every listener are released before the promise settles.
 *
 * @param request - The validated options.
 * @param downstream - The signal of the stream the events go to; its abort ends the request
 * with `clientDisconnected: true`.
 * @param consume - Collects, and forwards when asked, the events.
 * @returns The result.
 * @throws The `signal`'s reason, {@link SseUpstreamError} or {@link SseTimeoutError} carrying
 * the events collected so far, or an error thrown by `transform`.
 */
export function runRequest(
  request: ResolvedRequest,
  downstream: AbortSignal | undefined,
  consume: Consume
): Promise<SseRequestResult> {
  if (!upstreamTraced()) return run(request, downstream, consume, undefined)
  const context: SseUpstreamTraceContext = { method: request.method, url: request.safeUrl }
  return upstreamTracing.tracePromise(() => run(request, downstream, consume, context), context)
}

async function run(
  request: ResolvedRequest,
  downstream: AbortSignal | undefined,
  consume: Consume,
  trace: SseUpstreamTraceContext | undefined
): Promise<SseRequestResult> {
  const call = new UpstreamCall(request, downstream, trace)
  const collector = new Collector(request)
  let clientDisconnected: boolean
  try {
    clientDisconnected = (await call.open()) && (await consume(call, collector))
  } catch (error) {
    if (call.stopped !== 'downstream') throw withEvents(error, collector.events)
    clientDisconnected = true
  } finally {
    call.release()
  }
  const result: SseRequestResult = { events: collector.events, clientDisconnected }
  if (collector.truncated) result.truncated = true
  return result
}

/** Collects the events without forwarding them. */
export const collectEvents: Consume = async (call, collector) => {
  const queue = call.queue
  while (await call.read()) {
    for (const event of queue) collector.add(event)
    queue.length = 0
  }
  return false
}

/**
 * Calls an upstream event stream and collects its events until it ends: an LLM completion, a
 * batch of notifications. The caller's credentials stay on the server.
 *
 * @param options - The request.
 * @returns The events, in arrival order.
 * @throws Rejects, before any I/O, with a TypeError naming the first invalid option; with
 * {@link SseUpstreamError} when the upstream answers other than 200 `text/event-stream` or
 * fails mid-stream; with {@link SseTimeoutError} when `timeout` or `idleTimeout` passes; with
 * the `signal`'s reason when it aborts.
 *
 * @example
 * ```ts
 * const { events } = await sseRequest({
 *   url: 'https://api.example.com/v1/chat',
 *   method: 'POST',
 *   headers: { Authorization: `Bearer ${process.env.API_KEY}` },
 *   body: { stream: true, messages: [{ role: 'user', content: 'Hi' }] },
 * })
 * ```
 */
export function sseRequest<Schema extends SseEventSchema>(
  options: SseRequestOptions & { schema: Schema }
): Promise<SseRequestResult<SseSchemaOutput<Schema>>>
export function sseRequest(options: SseRequestOptions): Promise<SseRequestResult>
export function sseRequest(options: SseRequestOptions): Promise<SseRequestResult<unknown>> {
  let request: ResolvedRequest
  try {
    request = resolveRequestOptions(options)
    if (request.forward) {
      throw new TypeError(
        'The option "forward" needs a stream to forward to: call stream.request() instead.'
      )
    }
  } catch (error) {
    return Promise.reject(error)
  }
  return runRequest(request, undefined, collectEvents)
}
