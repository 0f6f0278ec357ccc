/**
 * Calls to an upstream event stream: request options and their validation, the call
 * (`call.ts`: its connections, the retry loop and every retry decision), the body reader
 * (`body-reader.ts`, which returns what it read), parsing, redirects, collecting (`sseRequest`),
 * iterating (`sseEvents`) and forwarding into a stream (`SseStream.request`). Their debug log
 * and its redaction of credentials live in `util`, shared with streams.
 *
 * May import: `util`, `event`, and a stream's public interface (`stream/types.ts`).
 */
export { sseRequest } from './request.js'
export { sseEvents } from './iterate.js'
export {
  SseTimeoutError,
  SseUpstreamError,
  type SseTimeoutPhase,
  type SseUpstreamErrorType,
} from './errors.js'
export type {
  SseEventSchema,
  SseFetch,
  SseInvalidEventPolicy,
  SseOpenInfo,
  SseRedirectMode,
  SseRequestBody,
  SseHeadersOption,
  SseRequestHeaders,
  SseRequestOptions,
  SseRequestResult,
  SseSchemaOutput,
} from './options.js'
export type {
  SseGiveUpInfo,
  SseReconnectOptions,
  SseRetryInfo,
  SseRetryReason,
} from './reconnect.js'
export type {
  SseUpstreamReconnectMessage,
  SseUpstreamResponseMessage,
  SseUpstreamTraceContext,
} from './diagnostics.js'
export type { SseDispatcher } from './dispatcher.js'
export { SseInvalidEventError, type SseSchemaIssue } from './schema.js'
