import type { SseStream } from './stream.js'

/** Something that ends when its stream closes. */
export interface StreamBound {
  /** The stream closed: the client left, or `close()` ran. */
  onStreamEnd(): void
}

/**
 * One abort listener per stream, however many channels it joined: Node warns past ten
 * listeners on one `AbortSignal`, and a dashboard stream may well join more channels.
 */
class Watch {
  readonly members = new Set<StreamBound>()

  handleEvent(): void {
    for (const member of this.members) member.onStreamEnd()
  }
}

const watches = new WeakMap<SseStream, Watch>()

/**
 * Calls `member.onStreamEnd()` when `stream` closes, until {@link unwatchStream}.
 *
 * @param stream - An open stream.
 * @param member - What to tell.
 */
export function watchStream(stream: SseStream, member: StreamBound): void {
  let watch = watches.get(stream)
  if (watch === undefined) {
    watch = new Watch()
    watches.set(stream, watch)
    stream.signal.addEventListener('abort', watch, { once: true })
  }
  watch.members.add(member)
}

/**
 * Stops watching `stream` for `member`; the listener goes with the stream's last member.
 *
 * @param stream - The stream given to {@link watchStream}.
 * @param member - The member to forget.
 */
export function unwatchStream(stream: SseStream, member: StreamBound): void {
  const watch = watches.get(stream)
  if (watch === undefined || !watch.members.delete(member) || watch.members.size > 0) return
  watches.delete(stream)
  stream.signal.removeEventListener('abort', watch)
}
