import type { BackplaneMessage, BackplaneRecord } from '@ssekit/core/backplane'

/** A record's fields besides its body, as stored and published: one line of JSON. */
interface Header {
  /** Present (1) when the channel assigns the id. */
  a?: 1
  i?: string
  e?: string
  m?: unknown
}

/**
 * Encodes what a record carries besides its body. JSON text never holds a raw line break, so
 * the header fits on the one line the published message gives it.
 *
 * @param record - The broadcast.
 * @returns The header.
 * @throws TypeError when the broadcast's `meta` cannot be JSON-encoded.
 */
export function encodeHeader(record: BackplaneRecord): string {
  const header: Header = {}
  if (record.autoId) header.a = 1
  if (record.id !== undefined) header.i = record.id
  if (record.event !== undefined) header.e = record.event
  if (record.meta !== undefined) header.m = record.meta
  try {
    return JSON.stringify(header)
  } catch (cause) {
    throw new TypeError(
      `The broadcast option "meta" must be JSON-serializable to travel through Redis (${(cause as Error).message}).`,
      { cause }
    )
  }
}

/**
 * Rebuilds a record from its stored or published parts.
 *
 * @param header - The header from {@link encodeHeader}.
 * @param body - The frame body.
 * @returns The record.
 */
function decodeRecord(header: string, body: string): BackplaneRecord {
  const { a, i, e, m } = JSON.parse(header) as Header
  return { body, autoId: a === 1, id: i, event: e, meta: m }
}

/**
 * Decodes a message published by the publish script: `<id>\n<header>\n<body>`.
 *
 * @param payload - The pub/sub message.
 * @returns The message.
 */
export function decodePayload(payload: string): BackplaneMessage {
  const idEnd = payload.indexOf('\n')
  const headerEnd = payload.indexOf('\n', idEnd + 1)
  return {
    seq: payload.slice(0, idEnd),
    record: decodeRecord(payload.slice(idEnd + 1, headerEnd), payload.slice(headerEnd + 1)),
  }
}

/** A stream entry as XRANGE returns it: the id, then field names and values in turn. */
export type StreamEntry = [id: string, fields: string[]]

/**
 * Decodes a stream entry written by the publish script.
 *
 * @param entry - The entry.
 * @returns The message.
 */
export function decodeEntry([seq, fields]: StreamEntry): BackplaneMessage {
  let header = '{}'
  let body = ''
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 'h') header = fields[i + 1] ?? header
    else if (fields[i] === 'b') body = fields[i + 1] ?? body
  }
  return { seq, record: decodeRecord(header, body) }
}

/**
 * Orders two Redis Stream ids (`<ms>-<n>`), as Redis does.
 *
 * @param a - An id.
 * @param b - Another id.
 * @returns Negative when `a` comes first, positive when `b` does, 0 when they are equal.
 */
export function compareIds(a: string, b: string): number {
  const aDash = a.indexOf('-')
  const bDash = b.indexOf('-')
  const aMs = Number(a.slice(0, aDash))
  const bMs = Number(b.slice(0, bDash))
  if (aMs !== bMs) return aMs - bMs
  return Number(a.slice(aDash + 1)) - Number(b.slice(bDash + 1))
}
