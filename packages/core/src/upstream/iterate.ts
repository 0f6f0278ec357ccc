import { resolveRequestOptions, type ResolvedRequest } from './resolve-request.js'
import type { UpstreamEvent } from '../event/upstream-event.js'
import { type SseEventSchema, type SseRequestOptions, type SseSchemaOutput } from './options.js'
import { UpstreamCall } from './call.js'

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/**
 * The iterator behind {@link sseEvents}. Unlike an async generator, its `return()` takes
 * effect at once, even while a `next()` waits for the upstream.
 */
class UpstreamEventIterator implements AsyncIterableIterator<UpstreamEvent, undefined> {
  readonly #request: ResolvedRequest
  #call: UpstreamCall | undefined
  /** Index of the next event to hand out from the call's queue. */
  #next = 0
  /** The read in flight, shared by concurrent `next()` calls. */
  #pull: Promise<boolean> | undefined
  #finished = false

  constructor(request: ResolvedRequest) {
    this.#request = request
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(): Promise<IteratorResult<UpstreamEvent, undefined>> {
    for (;;) {
      if (this.#finished) return DONE
      const call = this.#call
      // Once stopped, the read below throws the signal's reason instead of yielding the rest.
      if (call !== undefined && this.#next < call.queue.length && call.stopped === undefined) {
        return { done: false, value: call.queue[this.#next++] as UpstreamEvent }
      }
      let more: boolean
      try {
        more = await (this.#pull ??= this.#fill())
      } catch (error) {
        const quiet = this.#call?.stopped === 'return'
        this.#finish()
        if (quiet) return DONE
        throw error
      }
      if (!more) {
        this.#finish()
        return DONE
      }
    }
  }

  return(): Promise<IteratorReturnResult<undefined>> {
    if (!this.#finished) {
      this.#call?.stop('return', new DOMException('The event iterator was closed.', 'AbortError'))
      this.#finish()
    }
    return Promise.resolve(DONE)
  }

  async #fill(): Promise<boolean> {
    try {
      let call = this.#call
      if (call === undefined) {
        call = new UpstreamCall(this.#request)
        this.#call = call
        if (!(await call.open())) return false
      }
      call.queue.length = 0
      this.#next = 0
      return await call.read()
    } finally {
      this.#pull = undefined
    }
  }

  #finish(): void {
    this.#finished = true
    this.#call?.release()
  }
}

/**
 * Iterates over the events of an upstream event stream as they arrive. The request starts on
 * the first `next()`; leaving the loop (`break`, `return`, a thrown error) closes the upstream
 * connection at once. Comments and `retry` fields are not events and are not yielded.
 *
 * The iterator is single-use; call `sseEvents` again for another request.
 *
 * @param options - The request; `forward` is not accepted (there is no stream to forward to).
 * @returns An async iterator of the events, after `transform`.
 * @throws TypeError at the call, naming the first invalid option. The iteration throws
 * {@link SseUpstreamError}, {@link SseTimeoutError}, or the `signal`'s reason.
 *
 * @example
 * ```ts
 * for await (const event of sseEvents({ url, headers: { Authorization: `Bearer ${key}` } })) {
 *   if (event.data === '[DONE]') break
 *   process.stdout.write(JSON.parse(event.data).delta)
 * }
 * ```
 */
export function sseEvents<Schema extends SseEventSchema>(
  options: SseRequestOptions & { schema: Schema }
): AsyncIterableIterator<UpstreamEvent<SseSchemaOutput<Schema>>>
export function sseEvents(options: SseRequestOptions): AsyncIterableIterator<UpstreamEvent>
export function sseEvents(
  options: SseRequestOptions
): AsyncIterableIterator<UpstreamEvent<unknown>> {
  const request = resolveRequestOptions(options)
  if (request.forward) {
    throw new TypeError(
      'The option "forward" needs a stream to forward to: call stream.request() instead.'
    )
  }
  return new UpstreamEventIterator(request)
}
