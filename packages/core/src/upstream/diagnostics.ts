import {
  diagnosticsChannel,
  diagnosticsTracingChannel,
  type DiagnosticsChannel,
  type DiagnosticsTracingChannel,
} from '../util/diagnostics.js'
import type { SseRetryReason } from './reconnect.js'

/**
 * The context of one upstream call on the `ssekit:upstream` tracing channel: the same object
 * reaches its `start`, `end`, `asyncStart`, `asyncEnd` and `error` subscribers (Node adds
 * `result` or `error` to it), and the `response` and `reconnect` messages of the call.
 */
export interface SseUpstreamTraceContext {
  readonly method: string
  /** The URL without credentials. */
  readonly url: string
}

/** What `ssekit:upstream:response` publishes for each response an upstream call receives. */
export interface SseUpstreamResponseMessage {
  readonly context: SseUpstreamTraceContext
  readonly status: number
  readonly contentType: string | null
  /** 0 for the first connection, then 1, 2… for each reconnection. */
  readonly reconnects: number
}

/** What `ssekit:upstream:reconnect` publishes before each wait for a reconnection. */
export interface SseUpstreamReconnectMessage {
  readonly context: SseUpstreamTraceContext
  readonly attempt: number
  readonly delay: number
  readonly reason: SseRetryReason
}

/** `node:diagnostics_channel` tracing channel `ssekit:upstream`: one trace per call. */
export const upstreamTracing: DiagnosticsTracingChannel =
  diagnosticsTracingChannel('ssekit:upstream')

/** `node:diagnostics_channel` channel `ssekit:upstream:response`. */
const upstreamResponseChannel: DiagnosticsChannel = diagnosticsChannel('ssekit:upstream:response')

/** `node:diagnostics_channel` channel `ssekit:upstream:reconnect`. */
const upstreamReconnectChannel: DiagnosticsChannel = diagnosticsChannel('ssekit:upstream:reconnect')

/** Whether anyone listens to an upstream call's diagnostics. */
export function upstreamTraced(): boolean {
  return (
    upstreamTracing.hasSubscribers ||
    upstreamResponseChannel.hasSubscribers ||
    upstreamReconnectChannel.hasSubscribers
  )
}

/**
 * Publishes a response of a traced call, if anyone listens.
 *
 * @param context - The call's context; `undefined` when the call is not traced.
 * @param status - The response's status.
 * @param contentType - Its `Content-Type`.
 * @param reconnects - Reconnections before this response.
 */
export function publishResponse(
  context: SseUpstreamTraceContext | undefined,
  status: number,
  contentType: string | null,
  reconnects: number
): void {
  if (context === undefined || !upstreamResponseChannel.hasSubscribers) return
  const message: SseUpstreamResponseMessage = { context, status, contentType, reconnects }
  upstreamResponseChannel.publish(message)
}

/**
 * Publishes a reconnection of a traced call, if anyone listens.
 *
 * @param context - The call's context; `undefined` when the call is not traced.
 * @param attempt - The attempt about to wait.
 * @param delay - Its wait, in ms.
 * @param reason - Why the call reconnects.
 */
export function publishReconnect(
  context: SseUpstreamTraceContext | undefined,
  attempt: number,
  delay: number,
  reason: SseRetryReason
): void {
  if (context === undefined || !upstreamReconnectChannel.hasSubscribers) return
  const message: SseUpstreamReconnectMessage = { context, attempt, delay, reason }
  upstreamReconnectChannel.publish(message)
}
