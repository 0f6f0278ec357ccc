import { utf8Length } from '../util/index.js'
import { numberedLog, type Log, type SseLogger } from '../util/log.js'
import { redactHeaders } from '../util/redact.js'
import type { SseEndReason, StreamMonitor } from './monitor.js'

/** Streams logged in this process, to number their records. */
let streamCount = 0

/** What the log keeps of one stream while it lives. */
interface LoggedStream {
  readonly log: Log
  /** When the current backpressure wait began (`performance.now()`), if one is under way. */
  blockedAt: number | undefined
  /** The status a refused stream's request is answered with. */
  refusedWith: number | undefined
  events: number
  bytes: number
}

/** The first `event:` field of a frame, which is the type of its first event. */
const EVENT_FIELD = /^event: ?(.*)$/m

/**
 * What a log record says of a frame: its first event's type (`'comment'` for a comment), how
 * many events it holds when more than one, and its size. Never its data or ids.
 */
function frameDetails(frame: string): Record<string, unknown> {
  const bytes = utf8Length(frame)
  if (frame.startsWith(':')) return { type: 'comment', bytes }
  const type = EVENT_FIELD.exec(frame)?.[1] ?? 'message'
  const events = frame.split('\n\n').length - 1
  return events > 1 ? { type, events, bytes } : { type, bytes }
}

/**
 * Writes the life of each stream to a debug logger (records `stream-open`,
 * `stream-send`, `stream-backpressure`, `stream-drain` and `stream-end`, each with the
 * stream's number and the milliseconds since it opened), and passes every event on to the
 * counting monitor it wraps. Response headers that carry credentials are redacted; event data
 * never appears.
 */
class StreamLogMonitor implements StreamMonitor {
  /** The monitor that counts the streams (a middleware's or a group's), if any. */
  readonly counting: StreamMonitor | undefined
  readonly #logger: SseLogger
  readonly #streams = new WeakMap<object, LoggedStream>()

  constructor(logger: SseLogger, counting: StreamMonitor | undefined) {
    this.#logger = logger
    this.counting = counting
  }

  opened(stream: object, headers: Readonly<Record<string, string>>): void {
    this.counting?.opened(stream, headers)
    this.#entry(stream).log('stream-open', {
      status: 200,
      headers: redactHeaders(new Headers(headers)),
    })
  }

  sent(stream: object, frame: string, bytes?: number): void {
    this.counting?.sent(stream, frame, bytes)
    const entry = this.#entry(stream)
    const details = frameDetails(frame)
    entry.events++
    entry.bytes += details.bytes as number
    entry.log('stream-send', { ...details, clientLeft: false })
  }

  unsent(stream: object, frame: string): void {
    this.counting?.unsent?.(stream, frame)
    this.#entry(stream).log('stream-send', { ...frameDetails(frame), clientLeft: true })
  }

  blocked(stream: object, bufferedBytes: number): void {
    this.counting?.blocked?.(stream, bufferedBytes)
    const entry = this.#entry(stream)
    if (entry.blockedAt !== undefined) return
    entry.blockedAt = performance.now()
    entry.log('stream-backpressure', { bufferedBytes })
  }

  drained(stream: object): void {
    this.counting?.drained?.(stream)
    const entry = this.#streams.get(stream)
    if (entry?.blockedAt === undefined) return
    const waited = Math.round(performance.now() - entry.blockedAt)
    entry.blockedAt = undefined
    entry.log('stream-drain', { waited })
  }

  refused(stream: object, status: number): void {
    this.counting?.refused?.(stream, status)
    this.#entry(stream).refusedWith = status
  }

  ended(stream: object, reason: SseEndReason, opened: boolean): void {
    this.counting?.ended(stream, reason, opened)
    // A stream that never started has no life to tell, unless a limit refused it.
    if (!opened && reason !== 'refused') return
    const entry = this.#entry(stream)
    this.#streams.delete(stream)
    entry.log(
      'stream-end',
      entry.refusedWith === undefined
        ? { reason, events: entry.events, bytes: entry.bytes }
        : { reason, status: entry.refusedWith }
    )
  }

  upstream(change: 1 | -1): void {
    this.counting?.upstream(change)
  }

  #entry(stream: object): LoggedStream {
    let entry = this.#streams.get(stream)
    if (entry === undefined) {
      entry = {
        log: numberedLog(this.#logger, 'stream', ++streamCount),
        blockedAt: undefined,
        refusedWith: undefined,
        events: 0,
        bytes: 0,
      }
      this.#streams.set(stream, entry)
    }
    return entry
  }
}

/**
 * Core-internal: the monitor a stream reports to: the counting one alone, or wrapped in a
 * {@link StreamLogMonitor} when a logger is set.
 *
 * @param counting - The monitor that counts the streams, if any.
 * @param logger - Where debug records go, if anywhere.
 * @returns The monitor.
 */
export function loggedMonitor(
  counting: StreamMonitor | undefined,
  logger: SseLogger | undefined
): StreamMonitor | undefined {
  return logger === undefined ? counting : new StreamLogMonitor(logger, counting)
}

/**
 * Core-internal: the counting part of a stream's monitor, without its log.
 *
 * @param monitor - A stream's monitor.
 * @returns The monitor that counts, if any.
 */
export function countingMonitor(monitor: StreamMonitor | undefined): StreamMonitor | undefined {
  return monitor instanceof StreamLogMonitor ? monitor.counting : monitor
}
