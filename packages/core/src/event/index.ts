/**
 * The SSE frame: `SseEvent` and `formatEvent` for what a server sends, `UpstreamEvent` for what
 * an upstream event stream sends back, and typed events (`SseRegister`, with the types an
 * application writes out). The other names of typed events are in `../types.ts`.
 *
 * May import: `util`.
 */
export { formatEvent, type SseEvent } from './format.js'
export type { UpstreamEvent } from './upstream-event.js'
export type { SseEventOf, SseEventSource, SseRegister } from './typed.js'
