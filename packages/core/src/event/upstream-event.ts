/**
 * One event received from an upstream event stream.
 *
 * @typeParam Data - The type of `data`: the text as received, or with the request option
 * `schema`, the schema's output for that text parsed as JSON.
 */
export interface UpstreamEvent<Data = string> {
  /** The frame's `event` field; absent when it had none (a `message` event). */
  event?: string
  /**
   * The frame's `data` lines joined with LF; empty for a frame with an empty `data` line. With
   * `schema`, the validated value instead.
   */
  data: Data
  /** The frame's own `id` field; absent when it had none. */
  id?: string
}
