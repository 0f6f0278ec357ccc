/** The largest part of a Redis Stream id: both parts are unsigned 64-bit integers. */
const MAX_PART = '18446744073709551615'

/**
 * Tells whether text is a Redis Stream id that Redis accepts: `<ms>-<seq>`, both parts decimal
 * without leading zeros and within 64 bits.
 *
 * @param text - Anything a client sent.
 * @returns Whether it is such an id.
 */
export function isStreamId(text: string): boolean {
  const dash = text.indexOf('-')
  return dash > 0 && isPart(text.slice(0, dash)) && isPart(text.slice(dash + 1))
}

function isPart(part: string): boolean {
  if (!/^(?:0|[1-9]\d{0,19})$/.test(part)) return false
  return part.length < MAX_PART.length || part <= MAX_PART
}

/**
 * What starts every id a channel gives its events: a hash of the channel's key, so that an id
 * of one channel never names an event of another, although Redis Streams number their entries
 * alike. FNV-1a, 32 bits, in base 36.
 *
 * @param key - The channel's stream key.
 * @returns The tag, with the `-` that separates it from the stream id.
 */
export function channelTag(key: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return `${(hash >>> 0).toString(36).padStart(7, '0')}-`
}

/** A client's cursor as the replay script takes it. */
export interface Cursor {
  /** `s`: a stream id of this channel; `o`: anything else, an event's own id perhaps. */
  readonly kind: 's' | 'o'
  /** The stream id, or the cursor as sent. */
  readonly value: string
}

/**
 * Sorts a client's `Last-Event-ID` before Redis sees it: one of the channel's own ids (its tag,
 * then a valid stream id) is looked up in the stream; anything else only in the index of
 * events' own ids, so no cursor can make Redis scan or fail.
 *
 * @param cursor - The client's `Last-Event-ID`.
 * @param tag - The channel's tag, from {@link channelTag}.
 * @returns The cursor's kind and value.
 */
export function parseCursor(cursor: string, tag: string): Cursor {
  if (cursor.startsWith(tag)) {
    const id = cursor.slice(tag.length)
    if (isStreamId(id)) return { kind: 's', value: id }
  }
  return { kind: 'o', value: cursor }
}
