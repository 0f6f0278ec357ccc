// `@ssekit/core`: what an application uses. Each folder's entry file lists its part. Subpath
// entries hold the rest: `@ssekit/core/adapter` what framework adapters need
// (`./adapter/index.ts`), `/backplane` what a backplane implements (`./backplane.ts`),
// `/diagnostics` the diagnostics channels' messages (`./diagnostics.ts`) and `/types` the
// named parts of the main entry's types (`./types.ts`).
export * from './event/index.js'
export * from './stream/index.js'
export * from './sink/index.js'
export * from './upstream/index.js'
export * from './channel/index.js'
export * from './relay/index.js'
