import './augment.js'

export { sse } from './middleware.js'
export {
  createStreamGroup,
  formatEvent,
  sseEvents,
  sseRequest,
  SseTimeoutError,
  SseUpstreamError,
  type CloseAllOptions,
  type SendResult,
  type SlowClientPolicy,
  type SseEvent,
  type SseFetch,
  type SseLogger,
  type SseRequestBody,
  type SseRequestHeaders,
  type SseRequestOptions,
  type SseRequestResult,
  type SseShutdown,
  type SseStream,
  type SseStreamGroup,
  type SseStreamOptions,
  type SseTimeoutPhase,
  type SseUpstreamErrorType,
  type UpstreamEvent,
} from '@ssekit/core'
