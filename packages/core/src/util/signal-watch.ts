/** Something told when an `AbortSignal` it watches aborts. */
export interface AbortWatcher {
  /**
   * The signal aborted.
   * @param signal - Which one, for watchers of several.
   */
  onAbort(signal: AbortSignal): void
}

/**
 * One listener per signal, however many watch it: Node warns past ten listeners on one
 * `AbortSignal`, and a stream may join many channels, or one signal guard many requests.
 */
class Watch {
  readonly members = new Set<AbortWatcher>()

  handleEvent(event: Event): void {
    const signal = event.target as AbortSignal
    for (const member of this.members) member.onAbort(signal)
  }
}

const watches = new WeakMap<AbortSignal, Watch>()

/**
 * Calls `member.onAbort(signal)` when `signal` aborts, until {@link unwatchSignal}.
 *
 * @param signal - A signal that has not aborted yet.
 * @param member - What to tell.
 */
export function watchSignal(signal: AbortSignal, member: AbortWatcher): void {
  let watch = watches.get(signal)
  if (watch === undefined) {
    watch = new Watch()
    watches.set(signal, watch)
    signal.addEventListener('abort', watch, { once: true })
  }
  watch.members.add(member)
}

/**
 * Stops telling `member` about `signal`; the listener goes with the signal's last member.
 *
 * @param signal - The signal given to {@link watchSignal}.
 * @param member - The member to forget.
 */
export function unwatchSignal(signal: AbortSignal, member: AbortWatcher): void {
  const watch = watches.get(signal)
  if (watch === undefined || !watch.members.delete(member) || watch.members.size > 0) return
  watches.delete(signal)
  signal.removeEventListener('abort', watch)
}
