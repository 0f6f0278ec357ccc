import type { SseStream } from '@ssekit/core'

// On `ExtendableContext`, which every Koa context type includes: on `DefaultContext`, whose
// index signature accepts any name, a missing augmentation would type `ctx.sse` as `any`.
declare module 'koa' {
  interface ExtendableContext {
    /**
     * The request's event stream, created on first read. Present behind the `sse()`
     * middleware of `@ssekit/koa`.
     */
    readonly sse: SseStream
  }
}
