import type { SseEndReason } from './monitor.js'

/** Ends decided by the server; the others count as the client having left. */
const BY_SERVER: ReadonlySet<SseEndReason> = new Set(['closed', 'max-duration', 'shutdown'])

/**
 * What a stream's `signal` aborts with: an `AbortError` that says whether the server closed the
 * stream or the client left.
 *
 * @param endedBy - Why the stream ended, once it has.
 * @returns The reason.
 */
export function streamEndReason(endedBy: SseEndReason | undefined): DOMException {
  return new DOMException(
    endedBy !== undefined && BY_SERVER.has(endedBy)
      ? 'The event stream was closed.'
      : 'The client disconnected.',
    'AbortError'
  )
}
