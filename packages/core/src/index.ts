// `@ssekit/core`: what an application uses. Each folder's entry file lists its part; what
// framework adapters need besides is `@ssekit/core/adapter` (`./adapter/index.ts`).
export * from './event/index.js'
export * from './stream/index.js'
export * from './sink/index.js'
export * from './upstream/index.js'
export * from './channel/index.js'
export * from './relay/index.js'
