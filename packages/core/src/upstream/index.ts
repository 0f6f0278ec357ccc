/**
 * Calls to an upstream event stream: request options and their validation, the call
 * (`call.ts`: its connections, the retry loop and every retry decision), the body reader
 * (`body-reader.ts`, which returns what it read), parsing, redirects, collecting (`sseRequest`),
 * iterating (`sseEvents`) and forwarding into a stream (`SseStream.request`). Their debug log
 * and its redaction of credentials live in `util`, shared with streams. The types of single
 * options are in `../types.ts`, diagnostics messages in `../diagnostics.ts`.
 *
 * May import: `util`, `event`, and a stream's public interface (`stream/types.ts`).
 */
export { sseRequest } from './request.js'
export { sseEvents } from './iterate.js'
export { SseTimeoutError, SseUpstreamError } from './errors.js'
export type { SseRequestOptions, SseRequestResult } from './options.js'
export type { SseReconnectOptions } from './reconnect.js'
export { SseInvalidEventError } from './schema.js'
