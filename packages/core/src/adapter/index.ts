/**
 * `@ssekit/core/adapter`: what a framework adapter needs and an application does not. Lazy
 * per-request streams on Node responses (on a prototype's property, or keyed by request
 * object), the middleware's options, admission limits and shutdown, the resolved stream
 * options, the sink interface for adapters that bring their own sink, and the option
 * checks every package of the library shares (adapters and backplanes alike).
 *
 * May import: every other folder.
 */
export {
  lazyNodeStreams,
  nodeStreams,
  type LazyNodeStreams,
  type NodeStreamHost,
  type NodeStreamSource,
  type NodeStreams,
} from './lazy-node-stream.js'
export {
  resolveMiddlewareOptions,
  withShutdown,
  type MiddlewareStreamOptions,
  type SseAdapterOptions,
  type SseShutdown,
} from './middleware-options.js'
export type { AdmissionOptions, Refusal, StreamAdmission } from './admission.js'
export { admitStream, type Admitted } from './admit.js'
export { resolveStreamOptions, type ResolvedStreamOptions } from '../stream/options.js'
export type { SinkListener, SseSink } from '../sink/sink.js'
export type { NodeRequest, NodeResponse } from '../sink/node-types.js'
export type { BodyHandOver } from '../sink/hand-over.js'
export { watchEnd, type EndWatcher } from '../sink/response-end.js'
export { prepareStreamSocket } from '../sink/stream-socket.js'
export { checkFunction, checkMilliseconds, checkObject, describe, option } from '../util/index.js'
export { forwardStream } from './forward-started.js'
export type { StartedForwarding } from '../upstream/forward.js'
