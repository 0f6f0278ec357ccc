import { checkMilliseconds, describe, internalKey, option } from '../util/index.js'
import { formatEventOption, type SseEvent } from '../event/format.js'
import { StreamStats, type SseStats } from './stats.js'

/** Core-internal: ends a member for shutdown, resolving once its connection has closed. */
export const endForShutdown: unique symbol = Symbol.for(internalKey('endForShutdown'))
/** Core-internal: drops a member's connection outright, once the grace period is over. */
export const dropConnection: unique symbol = Symbol.for(internalKey('dropConnection'))
const addMember: unique symbol = Symbol.for(internalKey('addMember'))
const counters: unique symbol = Symbol.for(internalKey('counters'))
const removeMember: unique symbol = Symbol.for(internalKey('removeMember'))

/** What a group needs from an open stream. */
export interface GroupMember {
  [endForShutdown](finalFrame: string | undefined): Promise<void>
  [dropConnection](): void
}

/** Options of {@link SseStreamGroup.closeAll}. */
export interface CloseAllOptions {
  /** An event sent to every client just before its stream ends, e.g. `{ event: 'shutdown' }`. */
  event?: SseEvent
  /**
   * Milliseconds to let clients receive what is buffered before their connections are
   * dropped.
   * @defaultValue 5000
   */
  grace?: number
  /**
   * Milliseconds over which clients' reconnections are spread: each stream's last frame is a
   * `retry` drawn at random from `[r, r + spread)`, where `r` is `event.retry` (or 0), so N
   * clients come back over that window rather than in the same second. `0` sends no `retry`
   * of its own.
   * @defaultValue 10000
   */
  spread?: number
}

/**
 * The open streams of an app (or of one middleware), so that shutdown can end them all
 * instead of waiting on connections that never end by themselves.
 */
export interface SseStreamGroup {
  /** How many streams are open. */
  readonly size: number
  /**
   * Figures of the group's streams since it was created: open, started, ended by reason,
   * events and bytes sent, slow-client drops, refused streams, upstream calls in flight.
   *
   * @returns A new snapshot on each call.
   */
  stats(): SseStats
  /**
   * Ends every open stream, and every stream that starts afterwards: sends `event` if given
   * and a `retry` jittered over `spread`, so clients do not all come back at once, ends each
   * response, and resolves once every connection has closed or `grace` has passed,
   * dropping those still open. `server.close()` can then finish.
   *
   * @param options - The final event and the grace period.
   * @returns A promise that resolves when every stream's connection is closed.
   * @throws TypeError (as a rejection), before any stream is touched, for options that are
   * not an object, an invalid event, or a `grace` or `spread` that is not 0 to 2147483647 ms.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', async () => {
   *   await events.closeAll({ event: { event: 'shutdown', data: 'restarting' } })
   *   server.close()
   * })
   * ```
   */
  closeAll(options?: CloseAllOptions): Promise<void>
}

/** Core-internal view of a group, used by streams to join and leave it. */
export interface InternalStreamGroup extends SseStreamGroup {
  [addMember](member: GroupMember): void
  [removeMember](member: GroupMember): void
  readonly [counters]: StreamStats
}

const DEFAULT_GRACE_MS = 5000
const DEFAULT_SPREAD_MS = 10_000

/** What `closeAll` sends each stream last: the event, then a jittered `retry`. */
interface Farewell {
  readonly frame: string | undefined
  /** The lowest `retry` to send. */
  readonly retry: number
  readonly spread: number
}

/** The final frame of one stream: the event, then its own reconnection delay. */
function farewellFrame({ frame, retry, spread }: Farewell): string | undefined {
  if (spread === 0) return frame
  const delay = retry + Math.floor(Math.random() * spread)
  return `${frame ?? ''}retry: ${delay}\n\n`
}

class StreamGroup implements InternalStreamGroup {
  readonly #members = new Set<GroupMember>()
  readonly [counters] = new StreamStats()
  /** Set once `closeAll` ran: streams that start afterwards end at once. */
  #farewell: Farewell | undefined

  get size(): number {
    return this.#members.size
  }

  stats(): SseStats {
    return this[counters].snapshot()
  }

  [addMember](member: GroupMember): void {
    if (this.#farewell !== undefined) {
      void member[endForShutdown](farewellFrame(this.#farewell))
      return
    }
    this.#members.add(member)
  }

  [removeMember](member: GroupMember): void {
    this.#members.delete(member)
  }

  async closeAll(options: CloseAllOptions = {}): Promise<void> {
    if (typeof (options as unknown) !== 'object' || (options as unknown) === null) {
      throw new TypeError(
        `The parameter "options" of closeAll() must be an object such as { event, grace }; got ${describe(options)}.`
      )
    }
    const { event, grace = DEFAULT_GRACE_MS, spread = DEFAULT_SPREAD_MS } = options
    checkMilliseconds(grace, option('grace'))
    checkMilliseconds(spread, option('spread'))
    const frame = event === undefined ? undefined : formatEventOption(event, 'event')
    const farewell: Farewell = { frame, retry: event?.retry ?? 0, spread: Math.floor(spread) }
    this.#farewell = farewell
    const members = [...this.#members]
    this.#members.clear()
    let timer: ReturnType<typeof setTimeout> | undefined
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, grace)
    })
    await Promise.race([
      Promise.all(members.map((member) => member[endForShutdown](farewellFrame(farewell)))),
      graceOver,
    ])
    clearTimeout(timer)
    for (const member of members) member[dropConnection]()
  }
}

/**
 * Creates a group of streams to end together at shutdown. Pass it as the `group` option;
 * adapters' `sse()` middleware creates one for you and exposes its `closeAll`.
 *
 * @returns An empty group.
 */
export function createStreamGroup(): SseStreamGroup {
  return new StreamGroup()
}

/**
 * Tells whether a value is a group made by {@link createStreamGroup}, by this copy of the
 * library or by another one loaded in the same process (its other build).
 *
 * @param value - Any value.
 */
export function isStreamGroup(value: unknown): value is InternalStreamGroup {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<InternalStreamGroup>)[addMember] === 'function'
  )
}

/**
 * Adds an open stream to its group.
 *
 * @param group - The stream's group.
 * @param member - The stream.
 */
export function joinGroup(group: SseStreamGroup, member: GroupMember): void {
  ;(group as InternalStreamGroup)[addMember](member)
}

/**
 * Removes an ended stream from its group.
 *
 * @param group - The stream's group.
 * @param member - The stream.
 */
export function leaveGroup(group: SseStreamGroup, member: GroupMember): void {
  ;(group as InternalStreamGroup)[removeMember](member)
}

/**
 * Core-internal: the counters behind a group's `stats()`, to report its streams to.
 *
 * @param group - A group from {@link createStreamGroup}.
 */
export function statsOf(group: SseStreamGroup): StreamStats {
  return (group as InternalStreamGroup)[counters]
}
