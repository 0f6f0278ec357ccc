/** One event received from an upstream event stream. */
export interface UpstreamEvent {
  /** The frame's `event` field; absent when it had none (a `message` event). */
  event?: string
  /** The frame's `data` lines joined with LF; empty for a frame with an empty `data` line. */
  data: string
  /** The frame's own `id` field; absent when it had none. */
  id?: string
}
