import './augment.js'

export {
  sse,
  type SseMiddlewareOptions,
  type SseResponder,
  type SseVariables,
} from './middleware.js'
export {
  createStreamGroup,
  formatEvent,
  type CloseAllOptions,
  type SendResult,
  type SlowClientPolicy,
  type SseEvent,
  type SseStream,
  type SseStreamGroup,
  type SseStreamOptions,
} from '@ssekit/core'
