/**
 * Channels: broadcasting to many streams, subscribers with their filters and catch-up, the
 * backplane interface a channel shares its history through, and the in-memory backplane. What
 * a backplane implements besides `Backplane` is in `../backplane.ts`.
 *
 * May import: `util`, `event`, `stream`, `upstream`.
 */
export { createChannel, type BroadcastResult, type Channel } from './channel.js'
export type { BroadcastOptions, ChannelOptions, SubscribeOptions } from './options.js'
export type { Subscription } from './subscriber.js'
export type { Backplane } from './backplane.js'
export { createMemoryBackplane } from './memory-backplane.js'
