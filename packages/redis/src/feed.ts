import type { BackplaneListener, BackplaneMessage } from '@ssekit/core/backplane'
import { compareIds, decodePayload } from './codec.js'
import { PROBE } from './link.js'

/** What a feed reads from its channel's stream. */
export interface FeedRead {
  readonly found: boolean
  readonly messages: readonly BackplaneMessage[]
  readonly last: string | undefined
}

/** Milliseconds before a probe is sent again, doubling up to the last. */
const FIRST_PROBE_DELAY_MS = 100
const LAST_PROBE_DELAY_MS = 2000

interface Waiter {
  readonly seq: string
  readonly resolve: () => void
}

/**
 * One channel's messages as this instance receives them: from pub/sub while the connection
 * holds, and from the Redis Stream to fill what pub/sub missed while it was down. Listeners get
 * each message once, in id order; when the stream no longer holds what was missed (Redis
 * restarted, or trimmed it meanwhile), they are told to reset.
 *
 * Where the connections do not say when a subscription is back in place (a cluster, Sentinel),
 * the feed probes it after a loss: it publishes empty probes, at growing intervals, until a
 * message (a probe or a broadcast) arrives, which proves the subscription receives what is
 * published from then on; only then does it read what it missed.
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
  readonly #probe: (() => Promise<unknown>) | undefined
  /** The subscription may be missing messages; waiting for one to prove it is back. */
  #probing = false
  #probeTimer: ReturnType<typeof setTimeout> | undefined
  #probeDelay = FIRST_PROBE_DELAY_MS

  /**
   * @param tag - The channel's tag, which starts the `seq` listeners receive.
   * @param read - Reads the stream after a stream id, `undefined` for only its newest id.
   * @param report - Receives errors.
   * @param probe - Publishes a probe on the channel, where subscriptions must be probed.
   */
  constructor(
    tag: string,
    read: (cursor: string | undefined) => Promise<FeedRead>,
    report: (error: unknown) => void,
    probe?: () => Promise<unknown>
  ) {
    this.#tag = tag
    this.#read = read
    this.#report = report
    this.#probe = probe
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
    if (this.#probing) this.#proven()
    if (payload === PROBE) return
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
   * The subscription may have missed messages: holds them, and where subscriptions are probed,
   * probes until one arrives, then reads what was missed. Without probes, the caller fills the
   * feed once pub/sub is back.
   */
  lost(): void {
    this.hold()
    if (this.#probe === undefined || this.#probing || this.#closed) return
    this.#probing = true
    this.#probeDelay = FIRST_PROBE_DELAY_MS
    this.#sendProbe()
  }

  #sendProbe = (): void => {
    this.#probe?.().catch(() => {
      // Expected while Redis is away; the outage is reported by the connections.
    })
    this.#probeTimer = setTimeout(this.#sendProbe, this.#probeDelay)
    this.#probeDelay = Math.min(this.#probeDelay * 2, LAST_PROBE_DELAY_MS)
  }

  /** A message arrived while probing: the subscription is in place. */
  #proven(): void {
    this.#probing = false
    clearTimeout(this.#probeTimer)
    this.#probeTimer = undefined
    void this.fill()
  }

  /**
   * Reads the stream from the last delivered message (or, at first, its newest id), delivers
   * what pub/sub missed, then what it held meanwhile. Concurrent calls run one read after
   * another; a failed read leaves the feed holding until the next call (where subscriptions
   * are probed, until the next probe arrives).
   */
  async fill(): Promise<void> {
    // A subscription being probed may still miss what the read would not see.
    if (this.#probing) return
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
      this.#filling = false
      // Where subscriptions are probed, nothing else would try again.
      this.lost()
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
    this.#probing = false
    clearTimeout(this.#probeTimer)
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
