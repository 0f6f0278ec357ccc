/**
 * `@ssekit/core/adapter`: what a framework adapter needs and an application does not. Lazy
 * per-request streams on Node responses, the middleware's options and shutdown, the resolved
 * stream options, and the sink interface for adapters that bring their own sink.
 *
 * May import: every other folder.
 */
export { lazyNodeStreams, type LazyNodeStreams, type NodeStreamHost } from './lazy-node-stream.js'
export {
  resolveMiddlewareOptions,
  withShutdown,
  type MiddlewareStreamOptions,
  type SseShutdown,
} from './middleware-options.js'
export { resolveStreamOptions, type ResolvedStreamOptions } from '../stream/options.js'
export type { SinkListener, SseSink } from '../sink/sink.js'
export type { NodeRequest, NodeResponse } from '../sink/node-types.js'
export { forwardOnceStarted, type StartedForwarding } from '../upstream/forward.js'
