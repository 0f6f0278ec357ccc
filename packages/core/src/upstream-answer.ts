import { SseTimeoutError, SseUpstreamError } from './errors.js'
import type { SseRetryReason } from './reconnect.js'

/**
 * Whether a `Content-Type` names the event-stream media type; parameters such as
 * `charset=utf-8` are allowed, and media types compare case-insensitively (RFC 9110 §8.3.1).
 */
export function isEventStream(contentType: string | null): boolean {
  if (contentType === null) return false
  const semicolon = contentType.indexOf(';')
  const mediaType = semicolon === -1 ? contentType : contentType.slice(0, semicolon)
  return mediaType.trim().toLowerCase() === 'text/event-stream'
}

/**
 * Reads the start of a body as text, then releases the rest so the connection is freed.
 * A read that fails keeps what arrived: the body only illustrates an error.
 */
export async function readStart(
  body: ReadableStream<Uint8Array> | null,
  limit: number
): Promise<string> {
  if (body === null) return ''
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let bytes = 0
  try {
    while (bytes < limit) {
      const { done, value } = await reader.read()
      if (done) return text + decoder.decode()
      const take = Math.min(value.byteLength, limit - bytes)
      bytes += take
      // A character cut at the limit is dropped rather than shown as U+FFFD.
      text += decoder.decode(value.subarray(0, take), { stream: true })
    }
  } catch {
    // Aborted or reset while reading: keep the start we have.
  }
  reader.cancel().catch(() => undefined)
  return text
}

/**
 * The id as the spec sends it, encoded as UTF-8: header values are byte strings, so each
 * byte becomes one character (the caller's own header is already one).
 */
export function utf8Bytes(id: string): string {
  // eslint-disable-next-line no-control-regex -- ASCII is the common case, sent as is.
  if (!/[^\x00-\x7f]/.test(id)) return id
  let bytes = ''
  for (const byte of new TextEncoder().encode(id)) bytes += String.fromCharCode(byte)
  return bytes
}

/** Why a failure may be retried; `undefined` when it is final. */
export function retryReason(error: unknown): SseRetryReason | undefined {
  if (error instanceof SseUpstreamError) return error.type === 'network' ? 'network' : undefined
  if (error instanceof SseTimeoutError) return error.phase === 'event' ? undefined : 'timeout'
  return undefined
}

/** The most useful line of a fetch failure: undici puts the socket error in `cause`. */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause: unknown = error.cause
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
}
