import './augment.js'

export { sse, type SsePluginOptions } from './plugin.js'
// Everything a route needs from core, so an app installs this package alone.
export * from '@ssekit/core'
