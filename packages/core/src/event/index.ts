/**
 * The SSE frame: `SseEvent` and `formatEvent` for what a server sends, `UpstreamEvent` for what
 * an upstream event stream sends back.
 *
 * May import: `util`.
 */
export { formatEvent, type SseEvent } from './format.js'
export type { UpstreamEvent } from './upstream-event.js'
export type {
  RegisteredEvents,
  SseEventMap,
  SseEventName,
  SseEventOf,
  SseEventSource,
  SseMessageEvent,
  SseRegister,
  UntypedEvents,
} from './typed.js'
