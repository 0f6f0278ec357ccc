import type {
  Backplane,
  BackplaneListener,
  BackplaneMessage,
  BackplaneRecord,
  BackplaneSubscription,
  HistoryLimits,
  RelayState,
  RelayStore,
  ReplayResult,
} from './backplane.js'
import { relayLogChannel, relayPresenceChannel } from './backplane.js'
import { unref, utf8Length } from '../util/index.js'
import { MAX_TIMER_MS } from '../util/timers.js'

class Entry implements BackplaneMessage {
  readonly seq: string
  readonly record: BackplaneRecord
  readonly time: number
  readonly bytes: number

  constructor(seq: string, record: BackplaneRecord, time: number) {
    this.seq = seq
    this.record = record
    this.time = time
    this.bytes = utf8Length(record.body)
  }
}

const NOTHING: readonly BackplaneMessage[] = Object.freeze([])

/** The start of the newest topic's ids, to give every later topic a greater one. */
let lastStart = 0

/**
 * @returns A start for a new topic's ids: the time, unless another topic of this process
 * started then.
 */
function nextStart(): number {
  lastStart = Math.max(Date.now(), lastStart + 1)
  return lastStart
}

/** One channel's listeners and history. */
class Topic {
  /**
   * Starts every `seq` of the topic: ids from an earlier process, or of another channel, never
   * match this one's events.
   */
  readonly start = nextStart()
  readonly listeners = new Set<BackplaneListener>()
  /** The history, oldest first, from `head` on; evicted slots are compacted away in bulk. */
  entries: Entry[] = []
  head = 0
  bytes = 0
  /** History entries by `seq` and by the event's own id, for replay lookups. */
  readonly index = new Map<string, Entry>()
  count = 0
  last: string | undefined

  append(entry: Entry, limits: HistoryLimits): void {
    this.entries.push(entry)
    this.bytes += entry.bytes
    this.index.set(entry.seq, entry)
    const ownId = entry.record.id
    if (ownId !== undefined) this.index.set(ownId, entry)
    this.trim(entry.time, limits)
  }

  /** Evicts the oldest entries until the history fits its bounds. */
  trim(now: number, { maxEvents, maxBytes, maxAge }: HistoryLimits): void {
    const entries = this.entries
    const oldest = now - maxAge
    let head = this.head
    for (let entry = entries[head]; entry !== undefined; entry = entries[head]) {
      if (entries.length - head <= maxEvents && this.bytes <= maxBytes && entry.time >= oldest) {
        break
      }
      this.bytes -= entry.bytes
      this.index.delete(entry.seq)
      const ownId = entry.record.id
      if (ownId !== undefined && this.index.get(ownId) === entry) this.index.delete(ownId)
      head++
    }
    // Shift evicted slots out once they are half the array: amortized O(1) per event.
    if (head > 64 && head * 2 > entries.length) {
      this.entries = entries.slice(head)
      head = 0
    }
    this.head = head
  }

  replay(cursor: string, limits: HistoryLimits): ReplayResult {
    // Nothing was published after the cursor: nothing was missed, even if it aged out.
    if (cursor === this.last) return { found: true, messages: NOTHING, last: cursor }
    this.trim(Date.now(), limits)
    const entry = this.index.get(cursor)
    if (entry === undefined) return { found: false, messages: NOTHING, last: this.last }
    const messages = this.entries.slice(this.entries.indexOf(entry, this.head) + 1)
    return { found: true, messages, last: this.last }
  }
}

/** A relay's record and the timer that forgets it. */
interface StoredRelay {
  state: RelayState
  expiresAt: number
  timer: ReturnType<typeof setTimeout>
}

/** A backplane within this process, which answers at once. */
export interface MemoryBackplane extends Backplane, RelayStore {
  /**
   * Delivers the record to the channel's listeners before returning.
   * @param channel - The channel's name.
   * @param record - The broadcast.
   * @param history - The channel's history bounds.
   * @returns The message's `seq`.
   */
  publish(channel: string, record: BackplaneRecord, history: HistoryLimits): string
  /**
   * @param channel - The channel's name.
   * @param cursor - A client's `Last-Event-ID`.
   * @param history - The channel's history bounds.
   * @returns The history after the cursor.
   */
  replay(channel: string, cursor: string, history: HistoryLimits): ReplayResult
  /**
   * @param id - The relay's id.
   * @param state - Its first state.
   * @param ttl - Milliseconds to keep it.
   * @returns `false` when a relay of that id exists.
   */
  createRelay(id: string, state: RelayState, ttl: number): boolean
  /**
   * @param id - The relay's id.
   * @returns Its state, `undefined` when unknown or expired.
   */
  readRelay(id: string): RelayState | undefined
  /**
   * @param id - The relay's id.
   * @param state - Its new state.
   * @param ttl - Milliseconds to keep it from now.
   * @returns `false` when the relay is not running or gone.
   */
  updateRelay(id: string, state: RelayState, ttl: number): boolean
}

class InProcessBackplane implements MemoryBackplane {
  readonly #topics = new Map<string, Topic>()
  readonly #relays = new Map<string, StoredRelay>()

  publish(channel: string, record: BackplaneRecord, history: HistoryLimits): string {
    const topic = this.#topic(channel)
    const seq = `${topic.start}-${++topic.count}`
    topic.last = seq
    if (history.maxEvents > 0) topic.append(new Entry(seq, record, Date.now()), history)
    for (const listener of topic.listeners) listener.onMessage(seq, record)
    return seq
  }

  subscribe(channel: string, listener: BackplaneListener): BackplaneSubscription {
    const topic = this.#topic(channel)
    topic.listeners.add(listener)
    return {
      ready: undefined,
      unsubscribe: () => {
        topic.listeners.delete(listener)
      },
    }
  }

  replay(channel: string, cursor: string, history: HistoryLimits): ReplayResult {
    const topic = this.#topics.get(channel)
    if (topic === undefined) return { found: false, messages: NOTHING, last: undefined }
    return topic.replay(cursor, history)
  }

  createRelay(id: string, state: RelayState, ttl: number): boolean {
    if (this.#liveRelay(id) !== undefined) return false
    const stored: StoredRelay = { state, expiresAt: 0, timer: undefined as never }
    this.#relays.set(id, stored)
    this.#keep(id, stored, ttl)
    return true
  }

  readRelay(id: string): RelayState | undefined {
    return this.#liveRelay(id)?.state
  }

  updateRelay(id: string, state: RelayState, ttl: number): boolean {
    const stored = this.#liveRelay(id)
    if (stored?.state.status !== 'running') return false
    stored.state = state
    clearTimeout(stored.timer)
    this.#keep(id, stored, ttl)
    return true
  }

  /** The relay's record, unless it expired (a late timer has not forgotten it yet). */
  #liveRelay(id: string): StoredRelay | undefined {
    const stored = this.#relays.get(id)
    if (stored === undefined || stored.expiresAt > Date.now()) return stored
    this.#forgetRelay(id, stored)
    return undefined
  }

  #keep(id: string, stored: StoredRelay, ttl: number): void {
    stored.expiresAt = Date.now() + ttl
    this.#arm(id, stored)
  }

  /** Forgets the relay when it expires; a timer cannot wait longer than `MAX_TIMER_MS`. */
  #arm(id: string, stored: StoredRelay): void {
    const ms = Math.min(Math.max(stored.expiresAt - Date.now(), 0), MAX_TIMER_MS)
    stored.timer = unref(
      setTimeout(() => {
        if (stored.expiresAt > Date.now()) this.#arm(id, stored)
        else this.#forgetRelay(id, stored)
      }, ms)
    )
  }

  /** Forgets an expired relay: its record, its log and its presence channel. */
  #forgetRelay(id: string, stored: StoredRelay): void {
    if (this.#relays.get(id) !== stored) return
    clearTimeout(stored.timer)
    this.#relays.delete(id)
    this.#topics.delete(relayLogChannel(id))
    this.#topics.delete(relayPresenceChannel(id))
  }

  #topic(channel: string): Topic {
    let topic = this.#topics.get(channel)
    if (topic === undefined) {
      topic = new Topic()
      this.#topics.set(channel, topic)
    }
    return topic
  }
}

/**
 * Creates a backplane that delivers broadcasts within this process and keeps each channel's
 * history in memory. Every channel gets its own unless given one; share one between channels
 * that should share names, e.g. a channel created per request.
 *
 * Ids are `<start>-<n>`: `<start>` is when the backplane first met the channel, unique to
 * the channel within the process, so a client's `Last-Event-ID` from before a restart or
 * from another channel is recognized as unknown rather than mistaken for one of its events.
 * The history of each name lives as long as the backplane, except a relay's channels, which
 * go with the relay's record when it expires. Relay records expire on timers that do not keep
 * the process alive.
 *
 * @returns The backplane.
 *
 * @example
 * ```ts
 * const rooms = createMemoryBackplane()
 * const room = (name: string) => createChannel(`room:${name}`, { backplane: rooms })
 * ```
 */
export function createMemoryBackplane(): MemoryBackplane {
  return new InProcessBackplane()
}
