import { INTERNAL_CHANNEL_MARK, type Backplane, type HistoryLimits } from './backplane.js'
import {
  checkBoolean,
  checkCount,
  checkFunction,
  checkMilliseconds,
  checkObject,
  describe,
  option,
} from '../util/index.js'

/**
 * How much of a channel's past a reconnecting client can catch up on. A client whose
 * `Last-Event-ID` is no longer in the history receives the resync event instead.
 */
export interface HistoryOptions {
  /**
   * Events kept. `0` keeps none.
   * @defaultValue 1000
   */
  maxEvents?: number
  /**
   * UTF-8 bytes of the kept frames, together: the memory one channel's history may take.
   * @defaultValue 1048576 (1 MiB)
   */
  maxBytes?: number
  /**
   * Milliseconds an event stays in the history. Clients reconnect within seconds (browsers
   * wait about 3 s); minutes cover a deploy or a load balancer moving them.
   * @defaultValue 300000 (5 minutes)
   */
  maxAge?: number
}

/** What a subscriber's filter sees of a broadcast. */
export interface ChannelMessage {
  /** The event's id as the client receives it: the channel's, or the event's own. */
  readonly id: string | undefined
  /** The event's type; `undefined` for `message`. */
  readonly event: string | undefined
  /** The `meta` the broadcast was given, for filters; never sent to clients. */
  readonly meta: unknown
}

/**
 * Decides whether a subscriber receives a message. Runs in the subscriber's process, for live
 * and replayed messages alike; keep it quick and free of side effects.
 *
 * @param message - The message's id, type and `meta`.
 * @returns `true` to send the message to this subscriber.
 */
export type ChannelFilter = (message: ChannelMessage) => boolean

/** Why a client receives the resync event. */
export type ResyncReason =
  /** Its `Last-Event-ID` is not in the history: too old, or from before a restart. */
  | 'not-in-history'
  /** It fell more than `maxBufferedBytes` behind (policy `'wait'`), beyond the history. */
  | 'fell-behind'
  /**
   * The backplane may have lost messages (e.g. the Redis server restarted) or could not read
   * the history.
   */
  | 'backplane'

/** Options of {@link createChannel}. */
export interface ChannelOptions {
  /**
   * Carries broadcasts to subscribers and keeps the history. Give several channels (or
   * several processes) the same backplane to share channels by name.
   * @defaultValue a new in-process backplane, {@link createMemoryBackplane}
   */
  backplane?: Backplane
  /**
   * Give each event without an `id` the channel's next id, so clients can resume with
   * `Last-Event-ID`. Ids are opaque strings that increase in publish order, and only match
   * events of their own channel.
   * @defaultValue true
   */
  ids?: boolean
  /**
   * The history kept for replay, or `false` to keep none (every reconnecting client with a
   * `Last-Event-ID` then receives the resync event).
   * @defaultValue `{ maxEvents: 1000, maxBytes: 1048576, maxAge: 300000 }`
   */
  history?: HistoryOptions | false
  /**
   * The event type sent when a client may have missed events the channel cannot replay. Its
   * data is the {@link ResyncReason}; reload the state the events describe.
   * @defaultValue 'resync'
   */
  resyncEvent?: string
  /**
   * Receives errors no caller can catch, each with a message that says what failed: filters
   * that threw (once per broadcast, with how many times), a broadcast or replay the backplane
   * failed (at most once a second per kind, with how many were left out).
   * @defaultValue console.error
   */
  onError?: (error: unknown) => void
}

/** Options of {@link Channel.subscribe}. */
export interface SubscribeOptions {
  /** Sends this subscriber only the messages it accepts. */
  filter?: ChannelFilter
  /**
   * Where to resume from, instead of the request's `Last-Event-ID` header, e.g. from a query
   * parameter; `null` to skip replay.
   */
  lastEventId?: string | null
}

/** Options of {@link Channel.broadcast}. */
export interface BroadcastOptions {
  /**
   * Describes the event for subscriber filters, e.g. a room or a user id. Never sent to
   * clients. JSON-serializable, as it may travel to other processes.
   */
  meta?: unknown
}

/** Default bounds of a channel's history. */
const DEFAULT_HISTORY: Readonly<Required<HistoryOptions>> = Object.freeze({
  maxEvents: 1000,
  maxBytes: 1024 * 1024,
  maxAge: 5 * 60 * 1000,
})

/** Default event type of the resync event. */
const DEFAULT_RESYNC_EVENT = 'resync'

/** {@link ChannelOptions} with every default applied, except the backplane. */
export interface ResolvedChannelOptions {
  readonly backplane: Backplane | undefined
  readonly ids: boolean
  readonly history: HistoryLimits
  readonly resyncEvent: string
  readonly onError: (error: unknown) => void
}

/** History bounds, which `Infinity` leaves unbounded. */
const UNBOUNDED = { unbounded: true } as const

const NO_HISTORY: HistoryLimits = Object.freeze({ maxEvents: 0, maxBytes: 0, maxAge: 0 })

/**
 * Validates a channel's name and options and applies the defaults.
 *
 * @param name - The channel's name.
 * @param options - The caller's options.
 * @returns The resolved options.
 * @throws TypeError naming the first invalid argument.
 */
export function resolveChannelOptions(
  name: unknown,
  options: ChannelOptions | undefined
): ResolvedChannelOptions {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`The channel name must be a non-empty string; got ${describe(name)}.`)
  }
  if (name.startsWith(INTERNAL_CHANNEL_MARK)) {
    throw new TypeError(
      `The channel name must not start with U+0000, which marks the channels ssekit keeps for itself (relays' logs); got ${describe(name)}.`
    )
  }
  const { backplane, ids, history, resyncEvent, onError } = checkObject(
    options ?? {},
    'Channel options'
  ) as ChannelOptions
  if (backplane !== undefined && !isBackplane(backplane)) {
    throw new TypeError(
      `The option "backplane" must have publish, subscribe and replay methods; got ${describe(backplane)}.`
    )
  }
  if (ids !== undefined) checkBoolean(ids, option('ids'))
  if (
    resyncEvent !== undefined &&
    (typeof resyncEvent !== 'string' || resyncEvent === '' || /[\r\n]/.test(resyncEvent))
  ) {
    throw new TypeError(
      `The option "resyncEvent" must be a non-empty event type without CR or LF; got ${describe(resyncEvent)}.`
    )
  }
  if (onError !== undefined) checkFunction(onError, option('onError'))
  return {
    backplane,
    ids: ids ?? true,
    history: history === false ? NO_HISTORY : resolveHistory(history),
    resyncEvent: resyncEvent ?? DEFAULT_RESYNC_EVENT,
    onError: onError ?? reportToConsole,
  }
}

/**
 * Validates subscribe options.
 *
 * @param options - The caller's options.
 * @returns The same options, or an empty object.
 * @throws TypeError naming the first invalid option.
 */
export function checkSubscribeOptions(options: SubscribeOptions | undefined): SubscribeOptions {
  if (options === undefined) return {}
  const { filter, lastEventId } = checkObject(options, 'Subscribe options') as SubscribeOptions
  if (filter !== undefined) checkFunction(filter, option('filter'))
  if (lastEventId !== undefined && lastEventId !== null && typeof lastEventId !== 'string') {
    throw new TypeError(
      `The option "lastEventId" must be a string or null; got ${describe(lastEventId)}.`
    )
  }
  return options
}

/**
 * Validates broadcast options.
 *
 * @param options - The caller's options.
 * @returns The broadcast's `meta`.
 * @throws TypeError when `options` is not an object, or `meta` cannot be JSON-encoded (it
 * must be, to reach other processes; every backplane checks it alike).
 */
export function broadcastMeta(options: BroadcastOptions | undefined): unknown {
  if (options === undefined) return undefined
  const { meta } = checkObject(options, 'Broadcast options') as BroadcastOptions
  if (meta === undefined) return undefined
  let json: string | undefined
  try {
    json = stringify(meta)
  } catch (cause) {
    throw new TypeError(
      `The broadcast option "meta" must be JSON-serializable (${(cause as Error).message}).`,
      { cause }
    )
  }
  if (json === undefined) {
    throw new TypeError(
      `The broadcast option "meta" must be JSON-serializable; got ${describe(meta)}.`
    )
  }
  return meta
}

/** `JSON.stringify` as it behaves: `undefined` for functions, symbols and `undefined`. */
const stringify: (value: unknown) => string | undefined = JSON.stringify

function resolveHistory(history: HistoryOptions | undefined): HistoryLimits {
  if (history === undefined) return DEFAULT_HISTORY
  const { maxEvents, maxBytes, maxAge } = checkObject(
    history,
    'The option "history"'
  ) as HistoryOptions
  return {
    maxEvents:
      maxEvents === undefined
        ? DEFAULT_HISTORY.maxEvents
        : checkCount(maxEvents, option('history.maxEvents'), UNBOUNDED),
    maxBytes:
      maxBytes === undefined
        ? DEFAULT_HISTORY.maxBytes
        : checkCount(maxBytes, option('history.maxBytes'), UNBOUNDED),
    maxAge:
      maxAge === undefined
        ? DEFAULT_HISTORY.maxAge
        : checkMilliseconds(maxAge, option('history.maxAge'), UNBOUNDED),
  }
}

function isBackplane(value: unknown): value is Backplane {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Record<keyof Backplane, unknown>>
  return (
    typeof candidate.publish === 'function' &&
    typeof candidate.subscribe === 'function' &&
    typeof candidate.replay === 'function'
  )
}

function reportToConsole(error: unknown): void {
  console.error('[ssekit] channel:', error)
}
