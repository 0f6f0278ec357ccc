/**
 * Channels: broadcasting to many streams, subscribers with their filters and catch-up, the
 * backplane interface a channel shares its history through, and the in-memory backplane.
 *
 * May import: `util`, `event`, `stream`, `upstream`.
 */
export { createChannel, type BroadcastResult, type Channel } from './channel.js'
export type {
  BroadcastOptions,
  ChannelFilter,
  ChannelMessage,
  ChannelOptions,
  HistoryOptions,
  ResyncReason,
  SubscribeOptions,
} from './options.js'
export type { Subscription } from './subscriber.js'
export type {
  Backplane,
  BackplaneListener,
  BackplaneMessage,
  BackplaneRecord,
  BackplaneSubscription,
  HistoryLimits,
  RelayState,
  RelayStatus,
  RelayStore,
  ReplayResult,
} from './backplane.js'
export { relayLogChannel, relayPresenceChannel } from './backplane.js'
export { createMemoryBackplane, type MemoryBackplane } from './memory-backplane.js'
