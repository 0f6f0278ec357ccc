import { createParser } from 'eventsource-parser'

/** One event as an `EventSource` would dispatch it. */
export interface TestEvent {
  /** The event type: `message` when the frame had no `event` field. */
  event: string
  /** The data lines, joined with LF. */
  data: string
  /** The frame's `id`, `undefined` when it had none. */
  id: string | undefined
}

/** Options of the waiting helpers. */
export interface WaitOptions {
  /** Milliseconds to wait before failing with what arrived. @defaultValue 2000 */
  timeout?: number
}

const DEFAULT_TIMEOUT = 2000

/**
 * An open event stream under test: its status and headers, the events as an async iterator
 * and through helpers, the raw frames, and disconnect / reconnect.
 */
export class SseTestClient implements AsyncIterable<TestEvent> {
  /** The response status. */
  readonly status: number
  /** The response headers. */
  readonly headers: Headers
  /** Every event received so far, in order. */
  readonly events: TestEvent[] = []
  /** Every raw frame received so far (the text up to each blank line, comments included). */
  readonly frames: string[] = []
  /**
   * Resolves when the server ended the stream or `close()` ran, and a server started for the
   * app has stopped.
   */
  readonly ended: Promise<void>
  /** The last id received, sent as `Last-Event-ID` by {@link SseTestClient.reconnect}. */
  lastEventId: string | undefined
  #read = 0
  #done = false
  readonly #waiters = new Set<() => void>()
  readonly #abort: AbortController
  readonly #reopen: (lastEventId: string | undefined) => Promise<SseTestClient>

  /** @internal Use `openSse`. */
  constructor(
    response: Response,
    abort: AbortController,
    lastEventId: string | undefined,
    reopen: (lastEventId: string | undefined) => Promise<SseTestClient>,
    release: () => Promise<void>
  ) {
    this.status = response.status
    this.headers = response.headers
    this.lastEventId = lastEventId
    this.#abort = abort
    this.#reopen = reopen
    // A server started for the app stops once its stream ends, whoever ends it.
    this.ended = this.#pump(response.body).then(release)
  }

  /** Resolves with the next `count` events not yet taken, in order. */
  async take(count: number, options?: WaitOptions): Promise<TestEvent[]> {
    const start = this.#read
    await this.#until(
      () => this.events.length >= start + count,
      options,
      `${String(count)} event(s)`
    )
    this.#read = start + count
    return this.events.slice(start, start + count)
  }

  /** Resolves with the next event not yet taken. */
  async next(options?: WaitOptions): Promise<TestEvent> {
    const [event] = await this.take(1, options)
    return event as TestEvent
  }

  /** Resolves with the first event of `type` not yet taken; earlier ones are taken too. */
  async waitFor(type: string, options?: WaitOptions): Promise<TestEvent> {
    let found = -1
    await this.#until(
      () => {
        found = this.events.findIndex((event, index) => index >= this.#read && event.event === type)
        return found >= 0
      },
      options,
      `an event of type "${type}"`
    )
    this.#read = found + 1
    return this.events[found] as TestEvent
  }

  /** Disconnects (the server sees the client leave) and stops a server started for the app. */
  async close(): Promise<void> {
    this.#abort.abort()
    await this.ended
  }

  /** Disconnects, then opens the same route again with `Last-Event-ID` set to the last id. */
  async reconnect(): Promise<SseTestClient> {
    this.#abort.abort()
    await this.ended
    return this.#reopen(this.lastEventId)
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TestEvent> {
    for (;;) {
      await this.#until(
        () => this.events.length > this.#read || this.#done,
        undefined,
        'an event',
        Infinity
      )
      if (this.events.length <= this.#read) return
      yield this.events[this.#read++] as TestEvent
    }
  }

  async #until(
    ready: () => boolean,
    options: WaitOptions | undefined,
    what: string,
    fallback = DEFAULT_TIMEOUT
  ): Promise<void> {
    const timeout = options?.timeout ?? fallback
    const deadline = Date.now() + timeout
    while (!ready()) {
      if (this.#done) throw new Error(`Expected ${what}, but the stream ended. ${this.#arrived()}`)
      const left = deadline - Date.now()
      if (left <= 0) {
        throw new Error(`Expected ${what} within ${String(timeout)} ms. ${this.#arrived()}`)
      }
      let wake = (): void => {}
      const woken = new Promise<void>((resolve) => (wake = resolve))
      this.#waiters.add(wake)
      const timer = Number.isFinite(left) ? setTimeout(wake, left) : undefined
      await woken
      clearTimeout(timer)
      this.#waiters.delete(wake)
    }
  }

  #arrived(): string {
    const list = this.events.map((event) => JSON.stringify(event)).join(', ')
    return `Arrived: ${String(this.events.length)} event(s)${list === '' ? '' : `: ${list}`}; ${String(this.#read)} taken.`
  }

  #notify(): void {
    for (const wake of this.#waiters) wake()
  }

  async #pump(body: ReadableStream<Uint8Array> | null): Promise<void> {
    let frame = ''
    const parser = createParser({
      onEvent: ({ event, data, id }) => {
        if (id !== undefined) this.lastEventId = id
        this.events.push({ event: event ?? 'message', data, id })
        this.#notify()
      },
    })
    const decoder = new TextDecoder()
    try {
      if (body === null) return
      const reader = body.getReader()
      // A Hono app's response is read in this process: cancelling it is the client leaving.
      const cancel = (): void => void reader.cancel().catch(() => undefined)
      if (this.#abort.signal.aborted) cancel()
      else this.#abort.signal.addEventListener('abort', cancel, { once: true })
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        const text = decoder.decode(value, { stream: true })
        frame += text
        const parts = frame.split(/\r\n\r\n|\n\n|\r\r/)
        frame = parts.pop() ?? ''
        this.frames.push(...parts)
        parser.feed(text)
      }
    } catch {
      // Aborted by close(), or the connection was cut: either way the stream ended.
    } finally {
      this.#done = true
      this.#notify()
    }
  }
}
