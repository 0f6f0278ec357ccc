/**
 * `@ssekit/core/types`: the named parts of the main entry's types, for the code that writes
 * them out. Typed events' building blocks, the types of single options (a request's `fetch`,
 * `redirect`, `schema`, its retry callbacks' arguments; a stream's `slowClient`; a channel's
 * `filter` and `history`), and the kinds of errors. Types only.
 */
export type {
  RegisteredEvents,
  SseEventMap,
  SseEventName,
  SseMessageEvent,
  UntypedEvents,
} from './event/typed.js'
export type { AnySseStream } from './stream/types.js'
export type { SlowClientPolicy } from './stream/options.js'
export type { SseTimeoutPhase, SseUpstreamErrorType } from './upstream/errors.js'
export type {
  SseEventSchema,
  SseFetch,
  SseHeadersOption,
  SseInvalidEventPolicy,
  SseOpenInfo,
  SseRedirectMode,
  SseRequestBody,
  SseRequestHeaders,
  SseSchemaOutput,
} from './upstream/options.js'
export type { SseGiveUpInfo, SseRetryInfo, SseRetryReason } from './upstream/reconnect.js'
export type { SseDispatcher } from './upstream/dispatcher.js'
export type { SseSchemaIssue } from './upstream/schema.js'
export type {
  ChannelFilter,
  ChannelMessage,
  HistoryOptions,
  ResyncReason,
} from './channel/options.js'
export type { RelayErrorKind } from './relay/options.js'
