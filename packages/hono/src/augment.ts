import type { SseResponder } from './middleware.js'

// Types `c.var.sse` and `c.get('sse')` in every app, chained or not.
declare module 'hono' {
  interface ContextVariableMap {
    /** Answers the request with an event stream; set by the `sse()` middleware of `@ssekit/hono`. */
    sse: SseResponder
  }
}
