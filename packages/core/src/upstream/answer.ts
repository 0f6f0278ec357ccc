import { SseTimeoutError, SseUpstreamError } from './errors.js'
import type { SseRetryReason } from './reconnect.js'

/** Bytes of an error response's body kept for {@link SseUpstreamError.body}. */
const ERROR_BODY_BYTES = 4096

/**
 * The error for an answer that is not 200 `text/event-stream`, with the start of its body;
 * the rest of the body is released.
 *
 * @param response - The upstream's answer.
 * @param contentType - Its `Content-Type`, or `null`.
 * @param safeUrl - The URL without credentials, for the message.
 * @returns The error to throw.
 */
export async function rejectedAnswer(
  response: Response,
  contentType: string | null,
  safeUrl: string
): Promise<SseUpstreamError> {
  const body = await readStart(response.body, ERROR_BODY_BYTES)
  const type = response.status === 200 ? 'media-type' : 'status'
  const got =
    type === 'status' ? `status ${response.status}` : `media type ${contentType ?? '(none)'}`
  return new SseUpstreamError(
    `The upstream ${safeUrl} answered with ${got}; expected 200 text/event-stream.`,
    { type, url: safeUrl, status: response.status, contentType, body }
  )
}

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
async function readStart(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
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
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause: unknown = error.cause
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
}

/**
 * The error for a request or connection that failed below HTTP (refused, reset, DNS…).
 *
 * @param error - What fetch or the body read threw.
 * @param url - The URL requested; some fetch errors quote it, credentials included.
 * @param safeUrl - The same URL without credentials.
 * @param contentType - The response's `Content-Type` once a response came, else `undefined`.
 * @returns The error, and its detail line for the debug log.
 */
export function networkFailure(
  error: unknown,
  url: URL,
  safeUrl: string,
  contentType: string | null | undefined
): { error: SseUpstreamError; detail: string } {
  const detail = describeFailure(error).replaceAll(url.href, safeUrl)
  const during = contentType === undefined ? 'request to' : 'connection to'
  return {
    detail,
    error: new SseUpstreamError(`The ${during} the upstream ${safeUrl} failed: ${detail}`, {
      type: 'network',
      url: safeUrl,
      status: contentType === undefined ? 0 : 200,
      contentType: contentType ?? null,
      cause: error,
    }),
  }
}
