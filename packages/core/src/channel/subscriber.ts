import { isPromise, type ReplayResult } from './backplane.js'
import { messageOf, resyncMessage, type Message } from './message.js'
import type { ChannelFilter, ResyncReason } from './options.js'
import {
  type AbortWatcher,
  deferred,
  type Deferred,
  unwatchSignal,
  watchSignal,
} from '../util/index.js'
import {
  dropClient,
  SENT,
  sendFrame,
  streamOptions,
  type InternalStream,
} from '../stream/internal.js'
import type { SendResult } from '../stream/types.js'

/** A stream's membership of a channel, as {@link Channel.subscribe} returns it. */
export interface Subscription {
  /**
   * Resolves once the subscriber is live: the events it missed (per its `Last-Event-ID`) are
   * queued ahead of everything broadcast from then on, and broadcasts made from any process
   * reach it. Never rejects.
   */
  readonly ready: Promise<void>
  /**
   * Resolves when the subscription ends: the stream closed, or `unsubscribe()` ran. Hono's
   * `stream(callback)` can return it to keep the stream open while subscribed.
   */
  readonly closed: Promise<void>
  /** Whether the stream still receives the channel's broadcasts. */
  readonly active: boolean
  /** Leaves the channel; the stream stays open. Idempotent. */
  unsubscribe(): void
}

/** What a subscriber needs from its channel. */
export interface SubscriberHost {
  readonly resyncEvent: string
  /**
   * Reads the channel's history after a cursor, once the channel receives live messages.
   * @param cursor - A client's `Last-Event-ID`.
   */
  replay(cursor: string): ReplayResult | Promise<ReplayResult>
  /** Forgets a subscriber that left. */
  remove(subscriber: Subscriber): void
  /** Reports a filter that threw; the subscriber skipped the message. */
  filterThrew(error: unknown): void
  /** Reports a replay the backplane failed; the subscriber was sent the resync event. */
  replayFailed(error: unknown): void
}

const READY: Promise<void> = Promise.resolve()

/** Past this many written slots, a long queue drops them instead of only advancing. */
const COMPACT_AT = 1024

/**
 * One stream subscribed to one channel. A broadcast goes straight to the stream while its
 * socket takes it; from the first send that meets backpressure, messages wait in this
 * subscriber's own queue (references to shared messages, bounded by the stream's
 * `maxBufferedBytes`) until the stream drains, so a slow client never delays the others.
 * Overflowing the bound applies the stream's `slowClient` policy: `'disconnect'` drops the
 * client, which reconnects and replays from the history; `'wait'` keeps it and replays from
 * the history once it catches up.
 */
export class Subscriber implements Subscription, AbortWatcher {
  readonly #stream: InternalStream
  readonly #filter: ChannelFilter | undefined
  readonly #host: SubscriberHost
  /** Replayed messages to write before the queue, and the next one's index. */
  #replay: Message[] | undefined
  #replayAt = 0
  /** Set whenever messages cannot go straight to the stream; written from `#queueAt` on. */
  #queue: Message[] | undefined
  #queueAt = 0
  #queueBytes = 0
  /** A send is waiting for the stream to drain. */
  #waiting = false
  /** A replay is being read: queued messages are unfiltered until it arrives. */
  #catchingUp = false
  /** Overflowed under `'wait'`: live messages are dropped, to be replayed from history. */
  #lagging = false
  #gone = false
  /** The `seq` of the last message handed to the stream. */
  #lastSeq: string | undefined
  #ready: Promise<void>
  #readyDeferred: Deferred<void> | undefined
  #closed: Deferred<void> | undefined

  /**
   * @param stream - The stream, open.
   * @param filter - The subscriber's filter.
   * @param host - The channel.
   * @param ready - Resolves when the channel receives live messages.
   */
  constructor(
    stream: InternalStream,
    filter: ChannelFilter | undefined,
    host: SubscriberHost,
    ready: Promise<void> | undefined
  ) {
    this.#stream = stream
    this.#filter = filter
    this.#host = host
    this.#ready = ready ?? READY
    watchSignal(stream.signal, this)
  }

  get ready(): Promise<void> {
    return this.#ready
  }

  get closed(): Promise<void> {
    if (this.#gone) return READY
    return (this.#closed ??= deferred()).promise
  }

  get active(): boolean {
    return !this.#gone
  }

  unsubscribe(): void {
    if (this.#gone) return
    this.#gone = true
    this.#replay = undefined
    this.#queue = undefined
    this.#host.remove(this)
    unwatchSignal(this.#stream.signal, this)
    this.#readyDeferred?.resolve()
    this.#closed?.resolve()
  }

  /** The stream closed: the client left, or `close()` ran. */
  onAbort(): void {
    this.unsubscribe()
  }

  /**
   * Replays what the client missed after `cursor`, ahead of live messages.
   *
   * @param cursor - The client's `Last-Event-ID`.
   */
  resume(cursor: string): void {
    this.#readyDeferred = deferred()
    this.#ready = this.#readyDeferred.promise
    this.#catchUp(cursor, 'not-in-history')
  }

  /**
   * Delivers one broadcast. The hot path: when the socket is writable, this is a filter call
   * and a socket write, with no allocation.
   *
   * @param message - The broadcast, shared by every subscriber.
   */
  onMessage(message: Message): void {
    if (this.#queue !== undefined) {
      if (this.#catchingUp || this.#accepts(message)) this.#enqueue(message)
      return
    }
    if (this.#filter !== undefined && !this.#accepts(message)) return
    this.#write(message)
  }

  /**
   * Delivers a notice that bypasses the filter, in order with the messages.
   *
   * @param notice - A resync event.
   */
  onNotice(notice: Message): void {
    if (this.#queue === undefined) this.#write(notice)
    else if (!this.#lagging) this.#queue.push(notice)
  }

  #accepts(message: Message): boolean {
    const filter = this.#filter
    if (filter === undefined || message.seq === '') return true
    try {
      return filter(message)
    } catch (error) {
      this.#host.filterThrew(error)
      return false
    }
  }

  /** @returns Whether the stream took the message without waiting. */
  #write(message: Message): boolean {
    if (message.seq !== '') this.#lastSeq = message.seq
    const sent = this.#stream[sendFrame](message.frame)
    if (sent === SENT) return true
    this.#waitFor(sent)
    return false
  }

  #waitFor(sent: Promise<SendResult>): void {
    if (this.#gone) return
    this.#waiting = true
    this.#queue ??= []
    void sent.then((result) => {
      this.#waiting = false
      if (result.clientDisconnected) this.unsubscribe()
      else this.#flush()
    })
  }

  #enqueue(message: Message): void {
    if (this.#lagging) return
    this.#queue?.push(message)
    this.#queueBytes += message.bytes
    const options = this.#stream[streamOptions]
    if (this.#queueBytes <= options.maxBufferedBytes) return
    if (options.slowClient === 'disconnect') {
      this.#stream[dropClient]()
      this.unsubscribe()
      return
    }
    this.#lagging = true
    this.#replay = undefined
    this.#queue = []
    this.#queueAt = 0
    this.#queueBytes = 0
  }

  /** Writes what waits, in order, until the stream pushes back. */
  #flush(): void {
    if (this.#waiting || this.#catchingUp || this.#gone) return
    if (this.#lagging) {
      this.#lagging = false
      const cursor = this.#lastSeq
      if (cursor === undefined) this.#replay = [this.#resync('fell-behind', null)]
      else {
        this.#catchUp(cursor, 'fell-behind')
        return
      }
    }
    const replay = this.#replay
    if (replay !== undefined) {
      for (let next = replay[this.#replayAt]; next !== undefined; next = replay[this.#replayAt]) {
        this.#replayAt++
        if (!this.#write(next)) return
      }
      this.#replay = undefined
      this.#replayAt = 0
    }
    const queue = this.#queue
    if (queue === undefined) return
    for (
      let message = queue[this.#queueAt];
      message !== undefined;
      message = queue[this.#queueAt]
    ) {
      this.#queueAt++
      this.#queueBytes -= message.seq === '' ? 0 : message.bytes
      if (!this.#write(message)) {
        if (this.#queueAt > COMPACT_AT && this.#queueAt * 2 > queue.length) {
          queue.splice(0, this.#queueAt)
          this.#queueAt = 0
        }
        return
      }
    }
    this.#queue = undefined
    this.#queueAt = 0
    this.#queueBytes = 0
  }

  #catchUp(cursor: string, reason: ResyncReason): void {
    this.#catchingUp = true
    this.#queue ??= []
    let result: ReplayResult | Promise<ReplayResult>
    try {
      result = this.#host.replay(cursor)
    } catch (error) {
      this.#host.replayFailed(error)
      this.#caughtUp(undefined, 'backplane')
      return
    }
    if (!isPromise(result)) {
      this.#caughtUp(result, reason)
      return
    }
    void result.then(
      (replayed) => {
        this.#caughtUp(replayed, reason)
      },
      (error: unknown) => {
        this.#host.replayFailed(error)
        this.#caughtUp(undefined, 'backplane')
      }
    )
  }

  /**
   * Queues the replay ahead of the live messages that arrived meanwhile, without those the
   * replay already holds, then resumes writing.
   *
   * @param result - The replay; `undefined` when reading it failed.
   * @param reason - What a resync notice says when the history does not reach the cursor.
   */
  #caughtUp(result: ReplayResult | undefined, reason: ResyncReason): void {
    this.#catchingUp = false
    if (this.#gone) return
    let replay: Message[]
    if (result === undefined) replay = [this.#resync(reason, null)]
    else if (!result.found) replay = [this.#resync(reason, result.last)]
    else {
      replay = []
      for (const { seq, record } of result.messages) {
        const message = messageOf(seq, record)
        if (this.#accepts(message)) replay.push(message)
      }
    }
    this.#replay = replay
    this.#replayAt = 0
    this.#filterQueue(result?.last)
    this.#readyDeferred?.resolve()
    this.#readyDeferred = undefined
    this.#flush()
  }

  /**
   * Drops queued live messages up to `last`, which the replay accounts for, and applies the
   * filter to the rest (queued unfiltered, so that `last` is found even when filtered out).
   */
  #filterQueue(last: string | undefined): void {
    const queue = this.#queue
    if (queue === undefined) return
    let from = this.#queueAt
    if (last !== undefined) {
      for (let i = from; i < queue.length; i++) {
        if (queue[i]?.seq === last) from = i + 1
      }
    }
    const kept: Message[] = []
    let bytes = 0
    for (let i = this.#queueAt; i < queue.length; i++) {
      const message = queue[i]
      if (message === undefined) continue
      if (message.seq === '') kept.push(message)
      else if (i >= from && this.#accepts(message)) {
        kept.push(message)
        bytes += message.bytes
      }
    }
    this.#queue = kept
    this.#queueAt = 0
    this.#queueBytes = bytes
  }

  #resync(reason: ResyncReason, seq: string | undefined | null): Message {
    return resyncMessage(this.#host.resyncEvent, reason, seq)
  }
}
