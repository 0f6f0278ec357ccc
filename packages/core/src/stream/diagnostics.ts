import { diagnosticsChannel, type DiagnosticsChannel } from '../util/diagnostics.js'
import type { SseEndReason } from './monitor.js'
import type { SseStream } from './types.js'

/** What `ssekit:stream:start` publishes when a stream answers 200 and may write. */
export interface SseStreamStartMessage {
  readonly stream: SseStream
}

/** What `ssekit:stream:end` publishes when a stream that started, or was refused, ends. */
export interface SseStreamEndMessage {
  readonly stream: SseStream
  readonly reason: SseEndReason
}

/** `node:diagnostics_channel` channel `ssekit:stream:start`. */
export const streamStartChannel: DiagnosticsChannel = diagnosticsChannel('ssekit:stream:start')

/** `node:diagnostics_channel` channel `ssekit:stream:end`. */
export const streamEndChannel: DiagnosticsChannel = diagnosticsChannel('ssekit:stream:end')
