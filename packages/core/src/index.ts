export { formatEvent, type SseEvent } from './event/format.js'
export { createSseStream, type SendResult, type SseStream } from './stream/stream.js'
export {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_SEND_TIMEOUT_MS,
  resolveStreamOptions,
  type ResolvedStreamOptions,
  type SlowClientPolicy,
  type SseStreamOptions,
} from './stream/options.js'
export type { SinkListener, SseSink } from './sink/sink.js'
export { createNodeSink } from './sink/node-sink.js'
export type { NodeRequest, NodeResponse } from './sink/node-types.js'
export {
  lazyNodeStreams,
  type LazyNodeStreams,
  type NodeStreamHost,
} from './adapter/lazy-node-stream.js'
export { createWebSink, type WebSink, type WebSinkOptions } from './sink/web-sink.js'
export {
  createStreamGroup,
  type CloseAllOptions,
  type SseStreamGroup,
} from './stream/stream-group.js'
export {
  resolveMiddlewareOptions,
  withShutdown,
  type MiddlewareStreamOptions,
  type SseShutdown,
} from './adapter/middleware-options.js'
export {
  DEFAULT_EVENT_TIMEOUT_MS,
  DEFAULT_MAX_COLLECTED_BYTES,
  DEFAULT_MAX_EVENT_SIZE,
  DEFAULT_MAX_EVENTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type SseFetch,
  type SseOpenInfo,
  type SseRedirectMode,
  type SseRequestBody,
  type SseRequestHeaders,
  type SseRequestOptions,
  type SseRequestResult,
} from './upstream/options.js'
export type { UpstreamEvent } from './event/upstream-event.js'
export { sseRequest } from './upstream/request.js'
export {
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  DEFAULT_RECONNECT_ATTEMPTS,
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_RECONNECT_ELAPSED_MS,
  type SseGiveUpInfo,
  type SseReconnectOptions,
  type SseRetryInfo,
  type SseRetryReason,
} from './upstream/reconnect.js'
export { sseEvents } from './upstream/iterate.js'
export {
  SseTimeoutError,
  SseUpstreamError,
  type SseTimeoutPhase,
  type SseUpstreamErrorInit,
  type SseUpstreamErrorType,
} from './upstream/errors.js'
export type { SseLogger } from './upstream/log.js'
export { createChannel, type BroadcastResult, type Channel } from './channel/channel.js'
export {
  DEFAULT_HISTORY,
  DEFAULT_RESYNC_EVENT,
  type BroadcastOptions,
  type ChannelFilter,
  type ChannelMessage,
  type ChannelOptions,
  type HistoryOptions,
  type ResyncReason,
  type SubscribeOptions,
} from './channel/options.js'
export type { Subscription } from './channel/subscriber.js'
export type {
  Backplane,
  BackplaneListener,
  BackplaneMessage,
  BackplaneRecord,
  BackplaneSubscription,
  HistoryLimits,
  ReplayResult,
} from './channel/backplane.js'
export { createMemoryBackplane, type MemoryBackplane } from './channel/memory-backplane.js'
