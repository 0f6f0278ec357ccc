/**
 * `@ssekit/core/backplane`: what a backplane implements and an application does not name. The
 * `Backplane` interface (also in the main entry, for the apps that pass one in), the records,
 * messages and subscriptions it deals in, the store of relays' states, and the names of the
 * channels a relay's log and presence travel on. `@ssekit/redis` is built on it.
 */
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
} from './channel/backplane.js'
export { relayLogChannel, relayPresenceChannel } from './channel/backplane.js'
export type { MemoryBackplane } from './channel/memory-backplane.js'
