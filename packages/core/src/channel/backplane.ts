/**
 * One broadcast as a channel hands it to its backplane: the event serialized once, plus what
 * the backplane and the receiving channels need to know about it without parsing the frame.
 * Backplanes that cross processes store and carry these fields as they are.
 */
export interface BackplaneRecord {
  /**
   * The event's frame text from `formatEvent`, ending with a blank line. It holds the event's
   * own `id` line when the event has one; never a channel-assigned id (see `autoId`).
   */
  readonly body: string
  /** The receiving channel puts `id: <seq>` before `body`: the channel assigns the event's id. */
  readonly autoId: boolean
  /** The event's own `id`, which a client may later send back as `Last-Event-ID`. */
  readonly id: string | undefined
  /** The event's type, for subscriber filters. */
  readonly event: string | undefined
  /** The broadcaster's description of the event, for subscriber filters; JSON-serializable. */
  readonly meta: unknown
}

/** A record with the position its backplane gave it. */
export interface BackplaneMessage {
  /**
   * The message's position in its channel, assigned by the backplane when it was published:
   * unique within the channel (across processes, for a shared backplane) and increasing in
   * publish order. A channel that assigns ids uses it as the event's `id`.
   */
  readonly seq: string
  readonly record: BackplaneRecord
}

/** Receives a channel's messages from a backplane. Channels implement it. */
export interface BackplaneListener {
  /**
   * A message was published on the channel, by this process or another. Called once per
   * message, in `seq` order.
   *
   * @param seq - The message's position.
   * @param record - The message.
   */
  onMessage(seq: string, record: BackplaneRecord): void
  /**
   * Messages may have been lost on the way (for example, the Redis server restarted and took
   * its history along), so subscribers cannot rely on having seen everything.
   */
  onReset(): void
}

/** A listener's membership of one channel. */
export interface BackplaneSubscription {
  /**
   * Resolves once every message published from then on reaches the listener; `undefined` when
   * that is already so.
   */
  readonly ready: Promise<void> | undefined
  /** Stops delivering messages to the listener. Idempotent. */
  unsubscribe(): void
}

/** What a backplane's history holds after a client's `Last-Event-ID`. */
export interface ReplayResult {
  /** The cursor names a message still in the history, so `messages` is everything after it. */
  readonly found: boolean
  /** The messages after the cursor, oldest first; empty when `found` is `false`. */
  readonly messages: readonly BackplaneMessage[]
  /**
   * The newest position the result accounts for: the last of `messages`, else the cursor's own
   * `seq` when nothing followed it, else (not found) the newest message in the channel;
   * `undefined` when the channel holds nothing. The listener has already received this message
   * when the replay resolves, so live messages up to it are not sent twice.
   */
  readonly last: string | undefined
}

/**
 * How much history a channel keeps, with every bound resolved. `Infinity` leaves a bound
 * out; `maxEvents: 0` keeps nothing.
 */
export interface HistoryLimits {
  /** Events kept. */
  readonly maxEvents: number
  /** UTF-8 bytes of the kept frames, together. */
  readonly maxBytes: number
  /** Milliseconds an event stays in the history. */
  readonly maxAge: number
}

/**
 * Carries a channel's broadcasts to its subscribers in every process that has some, and keeps
 * the channel's history for replay. {@link createMemoryBackplane} keeps both in this process;
 * `@ssekit/redis` shares them between instances through Redis.
 *
 * A backplane is given messages that are already serialized, and hands them back as they came,
 * so a broadcast is serialized once however many instances and subscribers receive it.
 */
export interface Backplane {
  /**
   * Publishes a record to every listener of the channel, in every process, and appends it to
   * the channel's history, trimmed to `history`.
   *
   * @param channel - The channel's name.
   * @param record - The broadcast.
   * @param history - The channel's history bounds.
   * @returns The message's `seq`; synchronously when the backplane delivered it already.
   * @throws TypeError, thrown at once, when the record cannot be published as given (nothing
   * is published then). A rejection means the record may not have reached anyone.
   */
  publish(
    channel: string,
    record: BackplaneRecord,
    history: HistoryLimits
  ): string | Promise<string>
  /**
   * Starts delivering a channel's messages to a listener.
   *
   * @param channel - The channel's name.
   * @param listener - Receives each message once, in order.
   * @returns The membership, to wait for and to end.
   */
  subscribe(channel: string, listener: BackplaneListener): BackplaneSubscription
  /**
   * Reads the channel's history after a cursor. Called only by a listener whose subscription to
   * the channel is ready.
   *
   * @param channel - The channel's name.
   * @param cursor - A client's `Last-Event-ID`: a `seq`, or an event's own id.
   * @param history - The channel's history bounds; older messages count as gone.
   * @returns The messages after the cursor, synchronously when the history is at hand.
   */
  replay(
    channel: string,
    cursor: string,
    history: HistoryLimits
  ): ReplayResult | Promise<ReplayResult>
}

/**
 * Tells an answer a backplane gave asynchronously from one it gave at once.
 *
 * @param value - What a backplane method returned.
 * @returns Whether it is a promise (any thenable) to wait for.
 */
export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Partial<Promise<T>> | null)?.then === 'function'
}

/** Where a relay is in its life. */
export type RelayStatus = 'running' | 'done' | 'failed' | 'stopped'

/**
 * A relay's shared state as a backplane keeps it, so that every instance can answer `get`,
 * attach clients, stop the relay, and tell a relay whose owner died from a quiet one. The
 * relay's events travel as the messages of a channel of the same backplane.
 */
export interface RelayState {
  readonly status: RelayStatus
  /** Events in the relay's log, not counting the final `end`. */
  readonly events: number
  /** Why the relay ended (`stop`'s reason, `orphaned`, the failure); only once it ended. */
  readonly reason?: string
  /**
   * Epoch milliseconds until which the instance running the relay promised to be alive; a
   * `running` relay past it has lost its owner.
   */
  readonly leaseUntil: number
}

/**
 * The part of a backplane that relays need: one small record per relay, with an expiry, shared
 * by every instance. {@link createMemoryBackplane} and `@ssekit/redis` implement it. When a
 * record expires, the backplane forgets the relay's channels with it ({@link relayLogChannel},
 * {@link relayPresenceChannel}): their history and their state.
 */
export interface RelayStore {
  /**
   * Stores the state of a new relay, kept for `ttl` ms.
   *
   * @returns `false`, storing nothing, when a relay of that id exists (running or retained).
   */
  createRelay(id: string, state: RelayState, ttl: number): boolean | Promise<boolean>
  /** @returns The relay's state; `undefined` when it is unknown or expired. */
  readRelay(id: string): RelayState | undefined | Promise<RelayState | undefined>
  /**
   * Replaces the state of a relay that is still `running`, kept for `ttl` ms from now. Atomic:
   * of two instances ending the same relay, one succeeds.
   *
   * @returns `false`, changing nothing, when the relay is not running or gone.
   */
  updateRelay(id: string, state: RelayState, ttl: number): boolean | Promise<boolean>
}

/**
 * Starts the name of every channel ssekit keeps on a backplane for itself (a relay's log and
 * presence channels): the character U+0000, with which `createChannel` refuses names, so no
 * channel of an app shares a name with them.
 */
export const INTERNAL_CHANNEL_MARK = '\u0000'

/**
 * The channel of a backplane that carries a relay's log: its events, each with the relay's
 * own numeric id as the record's `id`, and the relay's final `end`.
 *
 * @param id - The relay's id.
 * @returns The channel's name: {@link INTERNAL_CHANNEL_MARK}, `relay:` and the id.
 */
export function relayLogChannel(id: string): string {
  return `${INTERNAL_CHANNEL_MARK}relay:${id}`
}

/**
 * The channel on which instances with clients attached to a relay say so, without history,
 * so that the instance running it does not stop it as orphaned.
 *
 * @param id - The relay's id.
 * @returns The channel's name: {@link INTERNAL_CHANNEL_MARK}, `relay-clients:` and the id.
 */
export function relayPresenceChannel(id: string): string {
  return `${INTERNAL_CHANNEL_MARK}relay-clients:${id}`
}
