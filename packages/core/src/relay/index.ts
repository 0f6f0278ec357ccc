/**
 * Durable relays: upstream calls and producers that run detached from any request, with their
 * events in a bounded log on a backplane, so clients attach, leave and resume exactly where
 * they were, on any instance. The hub, the running relay (lease, orphan timeout, end), the
 * attached client (replay then live), the log's records.
 *
 * May import: `util`, `event`, `stream`, `upstream`, `channel`.
 */
export { createRelayHub, type RelayHub } from './hub.js'
export { RelayNotFoundError } from './errors.js'
export type {
  AttachResult,
  Relay,
  RelayEnd,
  RelayHubOptions,
  RelayInfo,
  RelayProducer,
  RelayProducerContext,
} from './options.js'
