import { internalKey, unref } from '../util/index.js'

/** The method a stream implements to be called on each heartbeat tick. */
export const onHeartbeat: unique symbol = Symbol.for(internalKey('onHeartbeat'))

/** Something that may send a keep-alive comment when called. */
export interface HeartbeatMember {
  [onHeartbeat](): void
}

interface Group {
  readonly members: Set<HeartbeatMember>
  readonly timer: ReturnType<typeof setInterval>
}

/**
 * One timer per distinct interval, shared by every stream using it: ten thousand idle streams
 * cost one timer, not ten thousand. Timers are unref'd so they never keep a process alive.
 */
const groups = new Map<number, Group>()

/**
 * Calls `member[onHeartbeat]()` every `intervalMs` until {@link leaveHeartbeat}.
 *
 * @param member - The stream to tick.
 * @param intervalMs - Milliseconds between ticks; positive.
 */
export function joinHeartbeat(member: HeartbeatMember, intervalMs: number): void {
  let group = groups.get(intervalMs)
  if (group === undefined) {
    const members = new Set<HeartbeatMember>()
    const timer = setInterval(() => {
      for (const each of members) each[onHeartbeat]()
    }, intervalMs)
    unref(timer)
    group = { members, timer }
    groups.set(intervalMs, group)
  }
  group.members.add(member)
}

/**
 * Stops ticking `member`; the shared timer goes when its last member leaves.
 *
 * @param member - The stream to stop ticking.
 * @param intervalMs - The interval it joined with.
 */
export function leaveHeartbeat(member: HeartbeatMember, intervalMs: number): void {
  const group = groups.get(intervalMs)
  if (group === undefined || !group.members.delete(member)) return
  if (group.members.size === 0) {
    clearInterval(group.timer)
    groups.delete(intervalMs)
  }
}
