/**
 * `@ssekit/core/diagnostics`: the messages ssekit publishes on `node:diagnostics_channel`, for
 * code that subscribes to them (APM agents, metrics). A type only: subscribe with
 * `node:diagnostics_channel` itself, by channel name.
 */
export type { SseStreamEndMessage, SseStreamStartMessage } from './stream/diagnostics.js'
export type { SseEndReason } from './stream/monitor.js'
export type {
  SseUpstreamReconnectMessage,
  SseUpstreamResponseMessage,
  SseUpstreamTraceContext,
} from './upstream/diagnostics.js'
