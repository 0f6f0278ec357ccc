/**
 * One client's event stream: `SseStream`, its options, the shared heartbeat, its figures, and
 * stream groups for graceful shutdown. Diagnostics messages are in `../diagnostics.ts`.
 *
 * May import: `util`, `event`, `sink`; from `upstream`, only `forward.ts` (which sees a stream
 * through its public interface, `types.ts`) and the option types `SseStream.request` accepts.
 */
export { createSseStream } from './stream.js'
export type { SendResult, SseStream } from './types.js'
export type { SseStreamOptions } from './options.js'
export type { SseStats } from './stats.js'
export type { SseLogger } from '../util/log.js'
export { createStreamGroup, type CloseAllOptions, type SseStreamGroup } from './stream-group.js'
