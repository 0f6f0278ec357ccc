import { formatEvent, type SseEvent } from '../event/index.js'
import type { BackplaneMessage, BackplaneRecord, HistoryLimits } from '../channel/backplane.js'
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
 * The frame of a relay's `n`th event: the event with the relay's id in place of its own.
 *
 * @param n - The event's position in the log, from 1.
 * @param event - The event as the producer or the upstream gave it.
 * @returns The frame text.
 * @throws TypeError naming the field of an event that cannot be sent.
 */
export function eventFrame(n: number, event: SseEvent): string {
  const { event: type, data, retry, comment } = event
  return formatEvent({ event: type, data, retry, comment, id: String(n) })
}

/**
 * The record of consecutive events of a relay, published together: the events that arrived
 * in one read of the upstream, or that a producer sent in one turn of the event loop. Its `id`
 * is its last event's, so a client whose cursor is that id resumes after the whole record;
 * {@link cutEvents} serves a cursor that falls inside it.
 *
 * @param last - The position of its last event in the log.
 * @param frames - The events' frames, from {@link eventFrame}, in order.
 * @returns The record.
 */
export function eventsRecord(last: number, frames: string): BackplaneRecord {
  return { body: frames, autoId: false, id: String(last), event: undefined, meta: undefined }
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

/** Ends every event's frame: frames hold no empty line before it. */
const FRAME_END = '\n\n'

/**
 * Finds the events after a cursor that falls inside one of the log's records of several
 * events, for a client that left while such a record was on its way.
 *
 * @param messages - The log from its start, oldest first.
 * @param cursor - The client's `Last-Event-ID`.
 * @returns The messages after the cursor, the first one cut to the events after it;
 * `undefined` when the cursor is not the id of one of the log's events.
 */
export function cutEvents(
  messages: readonly BackplaneMessage[],
  cursor: string
): BackplaneMessage[] | undefined {
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) return undefined
  const position = Number(cursor)
  const at = messages.findIndex(({ record }) => isEvents(record) && Number(record.id) > position)
  const message = messages[at]
  if (message === undefined) return undefined
  const { seq, record } = message
  const frames = record.body.split(FRAME_END)
  // The text after the last frame's end is empty.
  const count = frames.length - 1
  const skip = position - (Number(record.id) - count)
  if (skip <= 0) return undefined
  const body = frames.slice(skip, count).join(FRAME_END) + FRAME_END
  const cut: BackplaneMessage = { seq, record: { ...record, body } }
  return [cut, ...messages.slice(at + 1)]
}

/**
 * @param messages - Records of a relay's log, oldest first.
 * @param before - The count of events before them.
 * @returns The position of the last event they hold, `before` when they hold none.
 */
export function lastEventIn(messages: readonly BackplaneMessage[], before: number): number {
  let last = before
  for (const { record } of messages) {
    if (isEvents(record)) last = Math.max(last, Number(record.id))
  }
  return last
}

function isEvents(record: BackplaneRecord): boolean {
  return record.meta === undefined || record.meta === null
}
