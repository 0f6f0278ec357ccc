import { internalKey, timersPerRequest, unref } from '../util/index.js'

/** The method a stream implements to be called when its heartbeat is due. */
export const onHeartbeat: unique symbol = Symbol.for(internalKey('onHeartbeat'))

/** Where a member keeps the clock's tick count of its last write. */
export const lastWrite: unique symbol = Symbol.for(internalKey('lastWrite'))

/**
 * Ticks per heartbeat interval. A stream's comment is due once this many ticks passed since
 * its last write, so it comes after a silence of the interval less at most one tick (5 %).
 */
const TICKS_PER_INTERVAL = 20

/** Something that may send a keep-alive comment when it has been silent long enough. */
export interface HeartbeatMember {
  /** The {@link HeartbeatClock.ticks} of the member's last write. */
  [lastWrite]: number
  [onHeartbeat](): void
}

/** The shared clock of one heartbeat interval; members read its tick count on each write. */
export interface HeartbeatClock {
  /** Ticks so far. */
  readonly ticks: number
}

interface Clock extends HeartbeatClock {
  ticks: number
  /** Ticks of silence after which a member's heartbeat is due. */
  readonly due: number
  readonly members: Set<HeartbeatMember>
  readonly timer: ReturnType<typeof setInterval>
}

/** A clock that never ticks, for streams without heartbeats. */
export const STOPPED_CLOCK: HeartbeatClock = Object.freeze({ ticks: 0 })

/**
 * One timer per distinct interval, shared by every stream using it: ten thousand idle streams
 * cost one timer, not ten thousand. It ticks twenty times per interval and visits each member
 * with a subtraction, so a stream's silence never exceeds the interval and ends at most a
 * twentieth of it (at least 1 ms) early, whenever it last wrote. Timers are unref'd so they
 * never keep a process alive. On Workers, where a timer belongs to one request, each stream
 * has a clock of its own.
 */
const clocks = new Map<number, Clock>()

/** Each member's own clock, where timers belong to one request (Workers). */
const ownClocks = new WeakMap<HeartbeatMember, Clock>()

/** Milliseconds between the ticks of an interval's clock. */
function heartbeatTickMs(intervalMs: number): number {
  return Math.max(1, Math.floor(intervalMs / TICKS_PER_INTERVAL))
}

/**
 * Calls `member[onHeartbeat]()` whenever it has written nothing for `intervalMs` (as counted
 * by the clock's ticks), until {@link leaveHeartbeat}. The member counts as having written
 * just now.
 *
 * @param member - The stream to watch.
 * @param intervalMs - Milliseconds of silence before a heartbeat; positive.
 * @returns The clock whose `ticks` the member stores in `[lastWrite]` on each write.
 */
export function joinHeartbeat(member: HeartbeatMember, intervalMs: number): HeartbeatClock {
  let clock = timersPerRequest ? undefined : clocks.get(intervalMs)
  if (clock === undefined) {
    clock = startClock(intervalMs)
    if (timersPerRequest) ownClocks.set(member, clock)
    else clocks.set(intervalMs, clock)
  }
  member[lastWrite] = clock.ticks
  clock.members.add(member)
  return clock
}

function startClock(intervalMs: number): Clock {
  const tickMs = heartbeatTickMs(intervalMs)
  const clock: Clock = {
    ticks: 0,
    due: Math.floor(intervalMs / tickMs),
    members: new Set<HeartbeatMember>(),
    timer: unref(setInterval(() => tick(clock), tickMs)),
  }
  return clock
}

function tick(clock: Clock): void {
  const ticks = ++clock.ticks
  const { due } = clock
  for (const member of clock.members) {
    if (ticks - member[lastWrite] >= due) {
      member[lastWrite] = ticks
      member[onHeartbeat]()
    }
  }
}

/**
 * Stops watching `member`; the shared timer goes when its last member leaves.
 *
 * @param member - The stream to stop watching.
 * @param intervalMs - The interval it joined with.
 */
export function leaveHeartbeat(member: HeartbeatMember, intervalMs: number): void {
  const own = ownClocks.get(member)
  const clock = own ?? clocks.get(intervalMs)
  if (clock === undefined || !clock.members.delete(member)) return
  if (clock.members.size === 0) {
    clearInterval(clock.timer)
    if (own === undefined) clocks.delete(intervalMs)
    else ownClocks.delete(member)
  }
}
