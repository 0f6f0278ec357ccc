import { deferred, type Deferred } from '../util/index.js'
import {
  relayLogChannel,
  type Backplane,
  type BackplaneListener,
  type BackplaneMessage,
  type BackplaneRecord,
  type BackplaneSubscription,
  type HistoryLimits,
  type ReplayResult,
} from '../channel/backplane.js'
import { sendFrame, type InternalStream } from '../stream/stream.js'
import { cutEvents, endFrame, LOG_START, readEntry, type LogEntry } from './records.js'
import type { AttachResult, RelayEnd } from './options.js'

/** The event a client whose cursor the log does not know receives before the whole log. */
const RESYNC_FRAME = 'event: resync\ndata: not-in-log\n\n'

/** What the log holds for a client, once its replay is merged with what arrived live. */
export interface Catchup {
  /** The client's cursor was not in the log: it gets the resync event, then the whole log. */
  readonly resync: boolean
  /** Events are waiting for the client. */
  readonly hasEvents: boolean
  /** The relay's end, when the log holds it already. */
  readonly end: RelayEnd | undefined
}

/**
 * One client attached to a relay: its replay after the cursor, then the live events, each
 * exactly once and in order, then the final `end`. Live messages that arrive while the replay
 * is read wait, and those the replay already holds are dropped.
 */
export class Attachment implements BackplaneListener {
  readonly relayId: string
  readonly stream: InternalStream
  readonly #backplane: Backplane
  readonly #limits: HistoryLimits
  #subscription: BackplaneSubscription | undefined
  /** Live messages received before the replay was merged. */
  #early: BackplaneMessage[] | undefined = []
  /** What is left to send, oldest first. */
  #entries: LogEntry[] = []
  #resync = false
  #wake: Deferred<void> | undefined
  /** Ends the attachment without an `end` event (the hub is closing, messages were lost). */
  #cut = false
  /** The relay's end is queued: nothing after it is sent. */
  #ended = false

  constructor(
    relayId: string,
    stream: InternalStream,
    backplane: Backplane,
    limits: HistoryLimits
  ) {
    this.relayId = relayId
    this.stream = stream
    this.#backplane = backplane
    this.#limits = limits
  }

  onMessage(seq: string, record: BackplaneRecord): void {
    const early = this.#early
    if (early !== undefined) early.push({ seq, record })
    else this.#push(readEntry(record))
  }

  onReset(): void {
    // Events may be lost: the client reconnects with its cursor and resumes from the log.
    this.cut()
  }

  /**
   * Subscribes to the relay's log and reads it after the cursor.
   *
   * @param cursor - The client's `Last-Event-ID`; `undefined` replays everything.
   * @returns What the client is owed; `undefined` when the log is gone (unsubscribed then).
   */
  async catchUp(cursor: string | undefined): Promise<Catchup | undefined> {
    const log = relayLogChannel(this.relayId)
    const subscription = this.#backplane.subscribe(log, this)
    this.#subscription = subscription
    try {
      await subscription.ready
      let result = await this.#replay(log, cursor ?? LOG_START)
      if (!result.found && cursor !== undefined && cursor !== LOG_START) {
        // The cursor is inside a record of several events, or not one of the relay's ids.
        result = await this.#replay(log, LOG_START)
        const after = cutEvents(result.messages, cursor)
        if (after === undefined) this.#resync = true
        else result = { ...result, messages: after }
      }
      if (!result.found) {
        this.detach()
        return undefined
      }
      this.#merge(result)
    } catch (error) {
      this.detach()
      throw error
    }
    const entries = this.#entries
    const end = entries.find((entry) => entry.kind === 'end')
    return {
      resync: this.#resync,
      hasEvents: entries.some((entry) => entry.kind === 'event'),
      end: end?.kind === 'end' ? end.end : undefined,
    }
  }

  /**
   * Ends the client's stream with this end, after what it is owed (used when the log will not
   * carry one: the relay's record ended without it, or is gone).
   *
   * @param end - How the relay ended.
   */
  deliverEnd(end: RelayEnd): void {
    this.#push({ kind: 'end', end })
  }

  /** Closes the client's stream without an `end`: it will reconnect and resume. */
  cut(): void {
    this.#cut = true
    this.#wake?.resolve()
  }

  /**
   * Sends what the client is owed, then the live events, until the relay ends or the client
   * leaves.
   *
   * @returns How the attachment ended.
   */
  async run(): Promise<AttachResult> {
    const stream = this.stream
    const onAbort = (): void => this.#wake?.resolve()
    stream.signal.addEventListener('abort', onAbort)
    try {
      // The response starts now, even if the relay is quiet for a while (a model thinking):
      // the client sees its connection open and proxies see a first byte.
      stream.init()
      if (this.#resync) await stream[sendFrame](RESYNC_FRAME)
      for (;;) {
        if (stream.clientDisconnected) return { clientDisconnected: true }
        if (this.#cut) {
          stream.close()
          return { clientDisconnected: true }
        }
        const entries = this.#entries
        if (entries.length === 0) {
          this.#wake = deferred()
          await this.#wake.promise
          this.#wake = undefined
          continue
        }
        this.#entries = []
        for (const entry of entries) {
          if (entry.kind === 'end') {
            await stream[sendFrame](endFrame(entry.end))
            stream.close()
            return { clientDisconnected: false, end: entry.end }
          }
          if (entry.kind === 'event') {
            const sent = await stream[sendFrame](entry.frame)
            if (sent.clientDisconnected) return { clientDisconnected: true }
          }
        }
      }
    } finally {
      stream.signal.removeEventListener('abort', onAbort)
      this.detach()
    }
  }

  /** Stops receiving the relay's messages. Idempotent. */
  detach(): void {
    this.#subscription?.unsubscribe()
    this.#subscription = undefined
    this.#early = undefined
  }

  #replay(log: string, cursor: string): Promise<ReplayResult> {
    return Promise.resolve(this.#backplane.replay(log, cursor, this.#limits))
  }

  /** Joins the replay and the live messages that arrived meanwhile, each message once. */
  #merge(result: ReplayResult): void {
    let live = this.#early ?? []
    this.#early = undefined
    const { last } = result
    if (last !== undefined) {
      // The backplane delivered every message up to `last` before the replay resolved.
      const at = live.findIndex((message) => message.seq === last)
      if (at >= 0) live = live.slice(at + 1)
    }
    for (const message of result.messages) this.#push(readEntry(message.record))
    for (const message of live) this.#push(readEntry(message.record))
  }

  #push(entry: LogEntry): void {
    // Events an owner published after another instance ended the relay are not the relay's.
    if (entry.kind === 'other' || this.#ended) return
    if (entry.kind === 'end') this.#ended = true
    this.#entries.push(entry)
    this.#wake?.resolve()
  }
}
