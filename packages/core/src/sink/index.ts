/**
 * Sinks: where a stream's bytes go. The sink interface, the Node sink (`node:http` and
 * `node:http2` responses, shared by the Express and Koa adapters) and the web sink (a
 * `Response` body), with their write batching and the socket settings of a long-lived response.
 *
 * May import: `util`.
 */
export { createNodeSink } from './node-sink.js'
export { createWebSink, type WebSink, type WebSinkOptions } from './web-sink.js'
