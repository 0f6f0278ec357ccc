import './augment.js'

export { sse, type SseMiddlewareOptions } from './middleware.js'
// Everything a route needs from core, so an app installs this package alone.
export * from '@ssekit/core'
// The type of what `sse()` adds to the middleware: `closeAll` for graceful shutdown.
export type { SseShutdown } from '@ssekit/core/adapter'
