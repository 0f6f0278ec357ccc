import { utf8Length } from '../util/index.js'
import type { BackplaneRecord } from './backplane.js'
import type { ChannelMessage, ResyncReason } from './options.js'
import { formatEvent } from '../event/format.js'

/**
 * A message as a channel delivers it: built once per broadcast in each process and shared by
 * every subscriber, whose queues hold references to it rather than copies.
 */
export class Message implements ChannelMessage {
  /** The backplane's position; `''` for a resync notice, which has none. */
  readonly seq: string
  /** The exact text written to each subscriber's stream. */
  readonly frame: string
  readonly id: string | undefined
  readonly event: string | undefined
  readonly meta: unknown
  #bytes = -1

  /**
   * @param seq - The backplane's position of the message.
   * @param frame - The complete frame text.
   * @param id - The event's id as sent.
   * @param event - The event's type.
   * @param meta - The broadcast's `meta`.
   */
  constructor(
    seq: string,
    frame: string,
    id: string | undefined,
    event: string | undefined,
    meta: unknown
  ) {
    this.seq = seq
    this.frame = frame
    this.id = id
    this.event = event
    this.meta = meta
  }

  /** UTF-8 length of the frame, computed once and only for messages that wait in a queue. */
  get bytes(): number {
    if (this.#bytes < 0) this.#bytes = utf8Length(this.frame)
    return this.#bytes
  }
}

/**
 * Builds the message a backplane delivered.
 *
 * @param seq - Its position.
 * @param record - What was published.
 * @returns The message, with the channel's id line when the channel assigns ids.
 */
export function messageOf(seq: string, record: BackplaneRecord): Message {
  return record.autoId
    ? new Message(seq, `id: ${seq}\n${record.body}`, seq, record.event, record.meta)
    : new Message(seq, record.body, record.id, record.event, record.meta)
}

/**
 * Builds the notice that tells a client it may have missed events.
 *
 * @param type - The resync event's type.
 * @param reason - Why; sent as the event's data.
 * @param seq - The position the client is resynced to: the notice carries it as its id so a
 * later reconnection resumes from there. `undefined` resets the client's `Last-Event-ID`;
 * `null` leaves it as it is.
 * @returns The notice.
 */
export function resyncMessage(
  type: string,
  reason: ResyncReason,
  seq: string | undefined | null
): Message {
  const id = seq === null ? undefined : (seq ?? '')
  const frame = formatEvent({ event: type, id, data: reason })
  return new Message(seq ?? '', frame, id, type, undefined)
}
