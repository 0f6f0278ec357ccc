import { utf8Length } from '../util/index.js'
import type { SseEndReason, StreamMonitor } from './monitor.js'

/** Figures of a middleware's (or a group's) streams since it was created, from `stats()`. */
export interface SseStats {
  /** Streams open now. */
  readonly open: number
  /** Streams that answered 200. */
  readonly started: number
  /** Streams ended, by reason; refused streams count under `refused`. */
  readonly ended: Readonly<Record<SseEndReason, number>>
  /** Sends written for clients (events and comments, not heartbeats). */
  readonly eventsSent: number
  /** UTF-8 bytes of those sends. */
  readonly bytesSent: number
  /** Streams ended because the client fell too far behind: `ended['slow-client']`. */
  readonly slowClientDrops: number
  /** Streams refused by an admission limit: `ended.refused`. */
  readonly refused: number
  /** Upstream calls (`stream.request`) of these streams in flight now. */
  readonly upstreamInFlight: number
}

/** Core-internal: counts what {@link SseStats} reports, as a stream monitor. */
export class StreamStats implements StreamMonitor {
  #open = 0
  #started = 0
  readonly #ended: Record<SseEndReason, number> = {
    'client-left': 0,
    closed: 0,
    'slow-client': 0,
    'send-timeout': 0,
    'max-duration': 0,
    shutdown: 0,
    refused: 0,
  }
  #events = 0
  #bytes = 0
  #upstream = 0

  opened(): void {
    this.#open++
    this.#started++
  }

  ended(_stream: object, reason: SseEndReason, opened: boolean): void {
    if (opened) this.#open--
    if (opened || reason === 'refused') this.#ended[reason]++
  }

  sent(_stream: object, frame: string, bytes?: number): void {
    this.#events++
    this.#bytes += bytes ?? utf8Length(frame)
  }

  upstream(change: 1 | -1): void {
    this.#upstream += change
  }

  /** The figures now, in a new object. */
  snapshot(): SseStats {
    const ended = { ...this.#ended }
    return {
      open: this.#open,
      started: this.#started,
      ended,
      eventsSent: this.#events,
      bytesSent: this.#bytes,
      slowClientDrops: ended['slow-client'],
      refused: ended.refused,
      upstreamInFlight: this.#upstream,
    }
  }
}
