import './augment.js'

export { sse } from './middleware.js'
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
