import { checkMilliseconds, describe, internalKey, option } from '../util/index.js'
import { formatEventOption, type SseEvent } from '../event/format.js'

/** Core-internal: ends a member for shutdown, resolving once its connection has closed. */
export const endForShutdown: unique symbol = Symbol.for(internalKey('endForShutdown'))
/** Core-internal: drops a member's connection outright, once the grace period is over. */
export const dropConnection: unique symbol = Symbol.for(internalKey('dropConnection'))
const addMember: unique symbol = Symbol.for(internalKey('addMember'))
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
}

/**
 * The open streams of an app (or of one middleware), so that shutdown can end them all
 * instead of waiting on connections that never end by themselves.
 */
export interface SseStreamGroup {
  /** How many streams are open. */
  readonly size: number
  /**
   * Ends every open stream, and every stream that starts afterwards: sends `event` if given,
   * ends each response, and resolves once every connection has closed or `grace` has passed,
   * dropping those still open. `server.close()` can then finish.
   *
   * @param options - The final event and the grace period.
   * @returns A promise that resolves when every stream's connection is closed.
   * @throws TypeError (as a rejection), before any stream is touched, for options that are
   * not an object, an invalid event or a grace period that is not 0 to 2147483647 ms.
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
}

const DEFAULT_GRACE_MS = 5000

class StreamGroup implements InternalStreamGroup {
  readonly #members = new Set<GroupMember>()
  /** Set once `closeAll` ran: streams that start afterwards end at once. */
  #finalFrame: string | undefined | null = null

  get size(): number {
    return this.#members.size
  }

  [addMember](member: GroupMember): void {
    if (this.#finalFrame !== null) {
      void member[endForShutdown](this.#finalFrame)
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
    const { event, grace = DEFAULT_GRACE_MS } = options
    checkMilliseconds(grace, option('grace'))
    const finalFrame = event === undefined ? undefined : formatEventOption(event, 'event')
    this.#finalFrame = finalFrame
    const members = [...this.#members]
    this.#members.clear()
    let timer: ReturnType<typeof setTimeout> | undefined
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, grace)
    })
    await Promise.race([
      Promise.all(members.map((member) => member[endForShutdown](finalFrame))),
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
