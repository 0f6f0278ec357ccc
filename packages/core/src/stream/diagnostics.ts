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

const streamStartChannel: DiagnosticsChannel = diagnosticsChannel('ssekit:stream:start')
const streamEndChannel: DiagnosticsChannel = diagnosticsChannel('ssekit:stream:end')

/**
 * Publishes on `ssekit:stream:start`, if anyone listens.
 *
 * @param stream - The stream that started.
 */
export function publishStart(stream: SseStream): void {
  if (!streamStartChannel.hasSubscribers) return
  const message: SseStreamStartMessage = { stream }
  streamStartChannel.publish(message)
}

/**
 * Publishes on `ssekit:stream:end`, if anyone listens.
 *
 * @param stream - The stream that ended.
 * @param reason - Why.
 */
export function publishEnd(stream: SseStream, reason: SseEndReason): void {
  if (!streamEndChannel.hasSubscribers) return
  const message: SseStreamEndMessage = { stream, reason }
  streamEndChannel.publish(message)
}
