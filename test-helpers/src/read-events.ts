import { afterEach } from 'vitest'
import { createParser, type EventSourceMessage } from 'eventsource-parser'

/** What a client read from an event stream so far. */
export interface EventReader {
  readonly events: EventSourceMessage[]
  readonly comments: string[]
  readonly retries: number[]
  /** Every byte received, decoded as UTF-8. */
  readonly raw: () => string
  /** Resolves with event number `index` (0-based) once it has arrived. */
  event: (index: number, timeoutMs?: number) => Promise<EventSourceMessage>
  /** Resolves once at least `count` comments have arrived. */
  comment: (count: number, timeoutMs?: number) => Promise<string[]>
  /** Resolves when the body ends (the server closed the stream, or `cancel()` ran). */
  readonly ended: Promise<void>
  /** Stops reading and cancels the body: the client goes away. */
  cancel: () => Promise<void>
  /** Starts reading a reader created with `paused: true`. */
  resume: () => void
}

/**
 * Reads an event-stream body with `eventsource-parser`, the parser clients use, recording
 * events, comments and retry values as they arrive.
 *
 * @param body - A response body, e.g. from `fetch` or `Response.body`.
 * @param paused - Read nothing until `resume()`, like a client that stopped reading.
 */
export function readEvents(body: ReadableStream<Uint8Array>, paused = false): EventReader {
  let resume: (() => void) | undefined
  const resumed = paused ? new Promise<void>((resolve) => (resume = resolve)) : undefined
  const events: EventSourceMessage[] = []
  const comments: string[] = []
  const retries: number[] = []
  let raw = ''
  const waiters = new Set<() => void>()
  const notify = (): void => {
    for (const wake of waiters) wake()
  }
  const parser = createParser({
    onEvent: (event) => {
      events.push(event)
      notify()
    },
    onComment: (comment) => {
      comments.push(comment)
      notify()
    },
    onRetry: (ms) => retries.push(ms),
  })
  const reader = body.getReader()
  const ended = (async () => {
    const decoder = new TextDecoder()
    try {
      await resumed
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        const text = decoder.decode(value, { stream: true })
        raw += text
        parser.feed(text)
      }
    } catch {
      // An aborted read ends the stream as far as the reader is concerned.
    } finally {
      notify()
    }
  })()
  const until = <T>(value: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const found = value()
        if (found === undefined) return
        cleanup()
        resolve(found)
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      const cleanup = (): void => {
        clearTimeout(timer)
        waiters.delete(check)
      }
      waiters.add(check)
      check()
    })
  return {
    events,
    comments,
    retries,
    raw: () => raw,
    ended,
    resume: () => {
      resume?.()
    },
    cancel: async () => {
      resume?.()
      await reader.cancel().catch(() => undefined)
      await ended
    },
    event: (index, timeoutMs = 5000) => until(() => events[index], timeoutMs, `event #${index}`),
    comment: (count, timeoutMs = 5000) =>
      until(
        () => (comments.length >= count ? comments : undefined),
        timeoutMs,
        `${count} comments`
      ),
  }
}

/** What {@link eventClientsPerTest}'s `open` resolves with. */
export interface EventClient {
  readonly response: Response
  readonly reader: EventReader
}

/**
 * Gives a test file an `open(url, headers?)` that fetches an event stream and reads it; every
 * client still open is aborted after each test.
 *
 * @returns `open`.
 */
export function eventClientsPerTest(): (
  url: string,
  headers?: Record<string, string>
) => Promise<EventClient> {
  const aborts: AbortController[] = []
  afterEach(() => {
    for (const abort of aborts.splice(0)) abort.abort()
  })
  return async (url, headers) => {
    const abort = new AbortController()
    aborts.push(abort)
    const response = await fetch(url, { headers, signal: abort.signal })
    return { response, reader: readEvents(response.body!) }
  }
}
