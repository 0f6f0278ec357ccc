export { formatEvent, type SseEvent } from './format.js'
export { createSseStream, type SendResult, type SseStream } from './stream.js'
export {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_SEND_TIMEOUT_MS,
  resolveStreamOptions,
  type ResolvedStreamOptions,
  type SlowClientPolicy,
  type SseStreamOptions,
} from './options.js'
export type { SinkListener, SseSink } from './sink.js'
export { createNodeSink, type NodeRequest, type NodeResponse } from './node-sink.js'
export { lazyNodeStreams, type LazyNodeStreams, type NodeStreamHost } from './lazy-node-stream.js'
export { createWebSink, type WebSink } from './web-sink.js'
export { createStreamGroup, type CloseAllOptions, type SseStreamGroup } from './stream-group.js'
