import type { SseStream } from '@ssekit/core'

declare global {
  // Express types its request and response objects through this global namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Response {
      /**
       * The request's event stream, created on first read. Present behind the `sse()`
       * middleware of `@ssekit/express`.
       */
      readonly sse: SseStream
    }
  }
}
