import type { BackplaneListener, BackplaneMessage } from '@ssekit/core'
import { compareIds, decodePayload } from './codec.js'

/** What a feed reads from its channel's stream. */
export interface FeedRead {
  readonly found: boolean
  readonly messages: readonly BackplaneMessage[]
  readonly last: string | undefined
}

interface Waiter {
  readonly seq: string
  readonly resolve: () => void
}

/**
 * One channel's messages as this instance receives them: from pub/sub while the connection
 * holds, and from the Redis Stream to fill what pub/sub missed while it was down. Listeners get
 * each message once, in id order; when the stream no longer holds what was missed (Redis
 * restarted, or trimmed it meanwhile), they are told to reset.
 */
export class Feed {
  readonly listeners = new Set<BackplaneListener>()
  /** Resolves once the feed knows where it starts, so replays can be merged with it. */
  readonly ready: Promise<void>
  /** The pub/sub subscription is in place (messages flow, or are held). */
  subscribed = false
  #isReady = false
  #markReady!: () => void
  /** The id of the last message delivered; `undefined` until the start is read. */
  #position: string | undefined
  /** Messages received while the feed reads the stream, delivered after what it read. */
  #held: BackplaneMessage[] | undefined = []
  #filling = false
  #refill = false
  #closed = false
  #waiters: Waiter[] = []
  readonly #tag: string
  readonly #read: (cursor: string | undefined) => Promise<FeedRead>
  readonly #report: (error: unknown) => void

  /**
   * @param tag - The channel's tag, which starts the `seq` listeners receive.
   * @param read - Reads the stream after a stream id, `undefined` for only its newest id.
   * @param report - Receives errors.
   */
  constructor(
    tag: string,
    read: (cursor: string | undefined) => Promise<FeedRead>,
    report: (error: unknown) => void
  ) {
    this.#tag = tag
    this.#read = read
    this.#report = report
    this.ready = new Promise((resolve) => {
      this.#markReady = resolve
    })
  }

  get isReady(): boolean {
    return this.#isReady
  }

  /** Whether messages are held until the stream is read. */
  get holding(): boolean {
    return this.#held !== undefined
  }

  /**
   * Takes a message from pub/sub; bound, to be the subscription's listener.
   * @param payload - The published text.
   */
  readonly onPayload = (payload: string): void => {
    let message: BackplaneMessage
    try {
      message = decodePayload(payload)
    } catch (error) {
      this.#report(error)
      return
    }
    if (this.#held !== undefined) this.#held.push(message)
    else this.#deliver(message)
  }

  /** The pub/sub connection dropped: hold messages until the stream tells what was missed. */
  hold(): void {
    this.#held ??= []
  }

  /**
   * Reads the stream from the last delivered message (or, at first, its newest id), delivers
   * what pub/sub missed, then what it held meanwhile. Concurrent calls run one read after
   * another; a failed read leaves the feed holding until the next call.
   */
  async fill(): Promise<void> {
    if (this.#filling) {
      this.#refill = true
      return
    }
    this.#filling = true
    this.#refill = false
    this.hold()
    try {
      do {
        const position = this.#position
        const read = await this.#read(position)
        if (this.#closed) return
        if (position === undefined) this.#position = read.last ?? '0-0'
        else {
          if (!read.found) this.#reset()
          for (const message of read.messages) this.#deliver(message)
        }
      } while (this.#takeRefill())
    } catch (error) {
      this.#report(error)
      return
    } finally {
      this.#filling = false
    }
    const held = this.#held ?? []
    this.#held = undefined
    for (const message of held) this.#deliver(message)
    if (!this.#isReady) {
      this.#isReady = true
      this.#markReady()
    }
  }

  /**
   * @param seq - A stream id.
   * @returns A promise that resolves once the listeners have received that message (or a
   * later one), or were told to reset.
   */
  until(seq: string): Promise<void> {
    const position = this.#position
    if (this.#closed || (position !== undefined && compareIds(position, seq) >= 0)) {
      return Promise.resolve()
    }
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }))
  }

  /** Stops delivering; pending waits resolve. */
  close(): void {
    this.#closed = true
    this.#held = undefined
    this.#releaseWaiters(() => true)
  }

  /** @returns Whether another fill was asked for while this one ran, clearing the request. */
  #takeRefill(): boolean {
    const again = this.#refill
    this.#refill = false
    return again
  }

  #deliver(message: BackplaneMessage): void {
    const position = this.#position
    if (this.#closed || (position !== undefined && compareIds(message.seq, position) <= 0)) return
    this.#position = message.seq
    const seq = this.#tag + message.seq
    for (const listener of this.listeners) listener.onMessage(seq, message.record)
    if (this.#waiters.length > 0) {
      this.#releaseWaiters((waiter) => compareIds(message.seq, waiter.seq) >= 0)
    }
  }

  #reset(): void {
    for (const listener of this.listeners) listener.onReset()
    this.#releaseWaiters(() => true)
  }

  #releaseWaiters(done: (waiter: Waiter) => boolean): void {
    const waiting: Waiter[] = []
    for (const waiter of this.#waiters) {
      if (done(waiter)) waiter.resolve()
      else waiting.push(waiter)
    }
    this.#waiters = waiting
  }
}
