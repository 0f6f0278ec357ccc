import { formatEvent, type SseEvent } from '../event/index.js'
import type { BackplaneRecord, HistoryLimits } from '../channel/backplane.js'
import type { RelayEnd } from './options.js'

/**
 * What a relay's log holds besides its events, told apart by the record's `meta`:
 * the marker every log starts with (own id `0`, so "replay everything" is a replay after it),
 * the final `end`, and the presence pings of instances with clients attached.
 */
type RelayMeta =
  | { readonly relay: 'start' }
  | { readonly relay: 'end'; readonly status: RelayEnd['status']; readonly reason?: string }
  | { readonly relay: 'present' }

/** The own id of the marker a log starts with: the cursor that replays every event. */
export const LOG_START = '0'

/** The marker a relay's log starts with. */
export const START_RECORD: BackplaneRecord = Object.freeze({
  body: '',
  autoId: false,
  id: LOG_START,
  event: undefined,
  meta: { relay: 'start' } satisfies RelayMeta,
})

/** A ping on a relay's presence channel. */
export const PRESENCE_RECORD: BackplaneRecord = Object.freeze({
  body: '',
  autoId: false,
  id: undefined,
  event: undefined,
  meta: { relay: 'present' } satisfies RelayMeta,
})

/** Presence pings are not kept. */
export const NO_HISTORY: HistoryLimits = Object.freeze({ maxEvents: 0, maxBytes: 0, maxAge: 0 })

/**
 * The history bounds a relay's log is published with: room for the marker, every event the
 * relay allows and the end. The relay enforces its own bounds before publishing.
 *
 * @param maxEvents - The hub's `maxEvents`.
 * @param maxBytes - The hub's `maxBytes`.
 * @returns The limits.
 */
export function logLimits(maxEvents: number, maxBytes: number): HistoryLimits {
  return Object.freeze({ maxEvents: maxEvents + 2, maxBytes: maxBytes + 4096, maxAge: Infinity })
}

/**
 * The record of a relay's `n`th event: the event with the relay's id in place of its own.
 *
 * @param n - The event's position in the log, from 1.
 * @param event - The event as the producer or the upstream gave it.
 * @returns The record.
 * @throws TypeError naming the field of an event that cannot be sent.
 */
export function eventRecord(n: number, event: SseEvent): BackplaneRecord {
  const id = String(n)
  const { event: type, data, retry, comment } = event
  return {
    body: formatEvent({ event: type, data, retry, comment, id }),
    autoId: false,
    id,
    event: type,
    meta: undefined,
  }
}

/**
 * The record of a relay's final event: type `end`, data the JSON of its {@link RelayEnd}, no
 * id (the client's cursor stays on the last event, which a finished relay answers with 204).
 *
 * @param end - How the relay ended.
 * @returns The record.
 */
export function endRecord(end: RelayEnd): BackplaneRecord {
  return {
    body: endFrame(end),
    autoId: false,
    id: undefined,
    event: 'end',
    meta: { relay: 'end', ...end } satisfies RelayMeta,
  }
}

/**
 * @param end - How the relay ended.
 * @returns The frame of the final `end` event.
 */
export function endFrame(end: RelayEnd): string {
  return `event: end\ndata: ${JSON.stringify(end)}\n\n`
}

/** What a record of a relay's log is to a client. */
export type LogEntry =
  | { readonly kind: 'event'; readonly frame: string }
  | { readonly kind: 'end'; readonly end: RelayEnd }
  | { readonly kind: 'other' }

const OTHER: LogEntry = Object.freeze({ kind: 'other' })

/**
 * @param record - A record of a relay's log.
 * @returns An event to send, the relay's end, or something clients do not see.
 */
export function readEntry(record: BackplaneRecord): LogEntry {
  const meta = record.meta as Partial<RelayMeta> | null | undefined
  if (meta === undefined || meta === null) return { kind: 'event', frame: record.body }
  if (meta.relay !== 'end') return OTHER
  const { status, reason } = meta as RelayEnd
  return { kind: 'end', end: reason === undefined ? { status } : { status, reason } }
}
