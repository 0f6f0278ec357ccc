import { flushAfterTurn, type TurnWriter } from './after-turn.js'
import type { SinkListener } from './sink.js'

/** Bytes a sink holds before `write` reports backpressure: Node's default for sockets. */
export const HIGH_WATER_MARK: number = 16 * 1024

/**
 * Bytes of frames a sink joins into one write to a Node response within a turn. Each write
 * costs a chunk header, a `writev` and a conversion whatever its size, so a fast producer of
 * 1 KiB events sends about a fifth more per second in 64 KiB writes than in 16 KiB ones. The
 * producer still waits at the response's own mark: a batch leaves as soon as it is full.
 */
export const NODE_RESPONSE_BATCH_BYTES: number = 64 * 1024

/**
 * The write batching both sinks share. Frames written during one turn of the event loop are
 * gathered and sent together once the turn is over (each write to a response or a body costs
 * about the same whatever its size); a batch that reaches {@link HIGH_WATER_MARK} leaves at
 * once, so the destination, not the batch, tells the producer to wait. After a write reported
 * backpressure, the listener hears `onDrain` once the sink is below the mark again.
 *
 * A sink decides when to send (its `write`) and how (its `sendTurn`); this class holds the
 * pending text, schedules the end-of-turn flush and keeps the drain bookkeeping.
 */
export abstract class TurnBatch implements TurnWriter {
  /** The stream that hears about drains and the end of the connection. */
  protected listener: SinkListener | undefined
  /** Text written and not yet sent. */
  protected pending = ''
  /** Something was written during this turn; a flush is due once it is over. */
  #scheduled = false
  /** A write reported backpressure; the listener waits for `onDrain`. */
  #full = false

  /** Bytes handed on to the destination and not yet delivered. */
  protected abstract get queuedBytes(): number

  /** Sends what the turn gathered; called once the turn is over. */
  protected abstract sendTurn(): void

  /** Bytes accepted and not yet delivered: handed on, or still pending. */
  get bufferedBytes(): number {
    // Pending text counts in UTF-16 units: exact for ASCII, close enough for a bound.
    return this.queuedBytes + this.pending.length
  }

  flush(): void {
    this.#scheduled = false
    this.sendTurn()
  }

  /**
   * Adds text to the batch, and schedules the flush on the turn's first write.
   *
   * @param text - One or more frames.
   * @returns Whether this is the turn's first write.
   */
  protected add(text: string): boolean {
    this.pending += text
    if (this.#scheduled) return false
    this.#scheduled = true
    flushAfterTurn(this)
    return true
  }

  /**
   * Takes the pending text, leaving none.
   *
   * @returns The text.
   */
  protected take(): string {
    const text = this.pending
    this.pending = ''
    return text
  }

  /** Whether a flush is scheduled for the end of this turn. */
  protected get flushDue(): boolean {
    return this.#scheduled
  }

  /** Pending bytes that make a batch leave without waiting for the end of the turn. */
  protected get batchBytes(): number {
    return HIGH_WATER_MARK
  }

  /** Whether the pending text fills a batch, which then leaves without waiting for the turn. */
  protected get batchFull(): boolean {
    return this.pending.length >= this.batchBytes
  }

  /** Notes that a write reported backpressure: the listener will hear `onDrain`. */
  protected noteFull(): void {
    this.#full = true
  }

  /** There may be room again: tell a listener that waits for it, if there is. */
  protected onDrain(): void {
    if (!this.#full || this.bufferedBytes >= HIGH_WATER_MARK) return
    this.#full = false
    this.listener?.onDrain()
  }
}
