// `@ssekit/testing`: open an SSE route of an app (or any URL) in a test, and read its events.
export { openSse, type OpenSseOptions } from './open.js'
export { SseTestClient, type TestEvent, type WaitOptions } from './client.js'
export type { SseTarget } from './target.js'
