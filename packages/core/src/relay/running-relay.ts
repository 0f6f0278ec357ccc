import { deferred, unref, utf8Length } from '../util/index.js'
import type { SseEvent } from '../event/index.js'
import type { UntypedEvents } from '../event/typed.js'
import {
  isPromise,
  relayLogChannel,
  relayPresenceChannel,
  type BackplaneListener,
  type BackplaneSubscription,
  type HistoryLimits,
  type RelayState,
} from '../channel/backplane.js'
import type { UpstreamCall } from '../upstream/call.js'
import { endRecord, eventFrame, eventsRecord, logLimits, readEntry } from './records.js'
import type { Relay, RelayEnd, RelayProducer, ResolvedHubOptions } from './options.js'

/** What a running relay tells its hub. */
export interface RelayOwner {
  /** The relay ended, whoever ended it; it holds nothing any more. */
  released(relay: RunningRelay): void
}

const IGNORE = (): void => {}

/**
 * A relay this instance runs: it appends the events of its upstream call or producer to the
 * log, renews its lease, stops itself when orphaned, and ends once, however it ends.
 */
export class RunningRelay implements Relay {
  readonly id: string
  /** Events appended to the log. */
  events = 0
  #bytes = 0
  /** Frames of events appended since the last publish, which carries them together. */
  #batch = ''
  /** The next publish, scheduled for the end of this turn, of a producer's events. */
  #scheduled: Promise<void> | undefined
  readonly #done = deferred<RelayEnd>()
  readonly #options: ResolvedHubOptions
  readonly #owner: RelayOwner
  readonly #limits: HistoryLimits
  readonly #log: string
  readonly #abort = new AbortController()
  #call: UpstreamCall | undefined
  #end: RelayEnd | undefined
  #subscriptions: BackplaneSubscription[] = []
  #orphanTimer: ReturnType<typeof setTimeout> | undefined
  #released = false

  constructor(id: string, options: ResolvedHubOptions, owner: RelayOwner) {
    this.id = id
    this.#options = options
    this.#owner = owner
    this.#limits = logLimits(options.maxEvents, options.maxBytes)
    this.#log = relayLogChannel(id)
  }

  get done(): Promise<RelayEnd> {
    return this.#done.promise
  }

  /** Whether the relay has ended here. */
  get ended(): boolean {
    return this.#end !== undefined
  }

  /**
   * Listens for an `end` another instance published (a `stop` there) and for the presence of
   * clients attached elsewhere.
   */
  listen(): Promise<unknown> {
    const { backplane } = this.#options
    const log: BackplaneListener = {
      onMessage: (_seq, record) => {
        const entry = readEntry(record)
        if (entry.kind === 'end') this.#conclude(entry.end)
      },
      onReset: IGNORE,
    }
    const presence: BackplaneListener = {
      onMessage: () => {
        if (this.#orphanTimer !== undefined) this.armOrphanTimer()
      },
      onReset: IGNORE,
    }
    this.#subscriptions = [
      backplane.subscribe(this.#log, log),
      backplane.subscribe(relayPresenceChannel(this.id), presence),
    ]
    return Promise.all(this.#subscriptions.map(({ ready }) => ready ?? Promise.resolve()))
  }

  /**
   * Appends the upstream call's events until it ends, the relay is stopped, or it fails.
   *
   * @param call - The call, open.
   */
  async pump(call: UpstreamCall): Promise<void> {
    this.#call = call
    try {
      for (;;) {
        if (this.#end !== undefined) return
        if (!(await call.read())) break
        for (const event of call.queue) this.#append(event)
        call.queue.length = 0
        const published = this.#publish()
        if (published !== undefined) await published
      }
      await this.finish({ status: 'done' })
    } catch (error) {
      await this.fail(error, 'upstream-error')
    } finally {
      call.release()
    }
  }

  /**
   * Runs the producer until it returns, throws, or the relay is stopped.
   *
   * @param producer - The job.
   */
  async produce(producer: RelayProducer<UntypedEvents>): Promise<void> {
    const context = {
      send: (event: SseEvent): Promise<void> => {
        try {
          this.#append(event)
        } catch (error) {
          return Promise.reject(error)
        }
        return this.#publishSoon()
      },
      signal: this.#abort.signal,
    }
    try {
      await producer(context)
      await this.finish({ status: 'done' })
    } catch (error) {
      await this.fail(error, 'producer-error')
    }
  }

  /**
   * Ends the relay `failed` and reports the error, unless it had already ended.
   *
   * @param error - What failed.
   * @param reason - The reason clients see.
   */
  async fail(error: unknown, reason: string): Promise<void> {
    if (this.#end !== undefined) return
    this.#options.onError(error, this.id, 'failed')
    await this.finish({ status: 'failed', reason })
  }

  /**
   * Ends the relay here: the upstream closes or the producer's signal aborts, the shared state
   * records the end, and the final `end` goes to every client.
   *
   * @param end - How it ends.
   * @returns Whether this call ended it: `false` when it had ended, here or elsewhere.
   */
  async finish(end: RelayEnd): Promise<boolean> {
    if (this.#end !== undefined) return false
    // Events appended before the end go before it.
    void this.#publish()
    // Publishing them failed, which ended the relay.
    if (this.ended) return false
    this.#halt(end)
    const { backplane, retention } = this.#options
    const state: RelayState = { ...end, status: end.status, events: this.events, leaseUntil: 0 }
    let ended: boolean
    try {
      ended = await backplane.updateRelay(this.id, state, retention)
      if (ended) await backplane.publish(this.#log, endRecord(end), this.#limits)
    } catch (error) {
      this.#options.onError(error, this.id, 'end-not-recorded')
      ended = false
    }
    if (ended) this.#resolve(end)
    else await this.#concludeFromState()
    return ended
  }

  /**
   * Renews the lease; finds out that another instance ended the relay when it cannot.
   *
   * @param now - The time.
   */
  async renew(now: number): Promise<void> {
    if (this.#end !== undefined) return
    const { backplane, lease, retention } = this.#options
    const state: RelayState = { status: 'running', events: this.events, leaseUntil: now + lease }
    let renewed: boolean
    try {
      renewed = await backplane.updateRelay(this.id, state, lease + retention)
    } catch (error) {
      // The next renewal may succeed; the lease allows for two misses.
      this.#options.onError(error, this.id, 'lease-renewal')
      return
    }
    if (!renewed && !this.ended) await this.#concludeFromState()
  }

  /** Starts (again) the wait after which a relay nobody listens to is stopped. */
  armOrphanTimer(): void {
    const ms = this.#options.orphanTimeout
    if (ms === Infinity || this.#end !== undefined) return
    this.disarmOrphanTimer()
    this.#orphanTimer = unref(
      setTimeout(() => {
        this.#orphanTimer = undefined
        void this.finish({ status: 'stopped', reason: 'orphaned' })
      }, ms)
    )
  }

  /** A client is attached here: the relay is not orphaned. */
  disarmOrphanTimer(): void {
    if (this.#orphanTimer === undefined) return
    clearTimeout(this.#orphanTimer)
    this.#orphanTimer = undefined
  }

  /**
   * Appends one event to the log: to the batch the next {@link #publish} carries.
   * @throws TypeError for an event that cannot be sent.
   */
  #append(event: SseEvent): void {
    if (this.#end !== undefined) return
    const n = this.events + 1
    const frame = eventFrame(n, event)
    const bytes = utf8Length(frame)
    const { maxEvents, maxBytes } = this.#options
    if (n > maxEvents || this.#bytes + bytes > maxBytes) {
      void this.fail(
        new RangeError(`The relay's log is full (maxEvents ${maxEvents}, maxBytes ${maxBytes}).`),
        'log-full'
      )
      return
    }
    this.events = n
    this.#bytes += bytes
    this.#batch += frame
  }

  /**
   * Publishes the producer's events at the end of this turn of the event loop, in one record
   * with those it sends in the same turn.
   * @returns Settles once the backplane took them.
   */
  #publishSoon(): Promise<void> {
    this.#scheduled ??= Promise.resolve().then(() => {
      this.#scheduled = undefined
      return this.#publish()
    })
    return this.#scheduled
  }

  /**
   * Publishes the batch of events, if any, as one record; a failure ends the relay.
   * @returns The backplane's pending publish, if it answers asynchronously.
   */
  #publish(): Promise<void> | undefined {
    const frames = this.#batch
    if (frames === '') return undefined
    this.#batch = ''
    let seq: string | Promise<string>
    try {
      seq = this.#options.backplane.publish(
        this.#log,
        eventsRecord(this.events, frames),
        this.#limits
      )
    } catch (error) {
      void this.fail(error, 'backplane-error')
      return undefined
    }
    if (!isPromise(seq)) return undefined
    return seq.then(IGNORE, (error: unknown) => this.fail(error, 'backplane-error'))
  }

  /** Ended elsewhere: learns how from the shared state. */
  async #concludeFromState(): Promise<void> {
    let state: RelayState | undefined
    try {
      state = await this.#options.backplane.readRelay(this.id)
    } catch {
      state = undefined
    }
    const end: RelayEnd =
      state === undefined || state.status === 'running'
        ? { status: 'failed', reason: 'owner-lost' }
        : state.reason === undefined
          ? { status: state.status }
          : { status: state.status, reason: state.reason }
    this.#conclude(end)
  }

  /** Another instance ended the relay (or this one did and the state says how). */
  #conclude(end: RelayEnd): void {
    this.#halt(end)
    this.#resolve(end)
  }

  /** Stops producing: the upstream closes at once, the producer's signal aborts. */
  #halt(end: RelayEnd): void {
    if (this.#end !== undefined) return
    this.#end = end
    this.disarmOrphanTimer()
    const reason = new DOMException(
      `The relay ended (${end.status}${end.reason === undefined ? '' : `: ${end.reason}`}).`,
      'AbortError'
    )
    this.#abort.abort(reason)
    this.#call?.stop('return', reason)
  }

  #resolve(end: RelayEnd): void {
    if (this.#released) return
    this.#released = true
    for (const subscription of this.#subscriptions) subscription.unsubscribe()
    this.#subscriptions = []
    this.#done.resolve(end)
    this.#owner.released(this)
  }
}
