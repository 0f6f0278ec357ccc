import { describe, unref } from '../util/index.js'
import { relayLogChannel, relayPresenceChannel, type RelayState } from '../channel/backplane.js'
import type { AnySseStream } from '../stream/types.js'
import type { RegisteredEvents, SseEventMap, UntypedEvents } from '../event/typed.js'
import type { SseRequestOptions } from '../upstream/options.js'
import { checkCursor, checkStartOptions, checkStream } from './arguments.js'
import { Attachment } from './attachment.js'
import { RelayNotFoundError } from './errors.js'
import {
  resolveHubOptions,
  type AttachResult,
  type Relay,
  type RelayEnd,
  type RelayHubOptions,
  type RelayInfo,
  type RelayProducer,
  type ResolvedHubOptions,
} from './options.js'
import { logLimits, NO_HISTORY, PRESENCE_RECORD, START_RECORD } from './records.js'
import { countEvents, endElsewhere } from './remote.js'
import { RunningRelay, type RelayOwner } from './running-relay.js'
import { checkRelayId, openSource, randomRelayId, type RelaySource } from './source.js'

/**
 * Runs relays and attaches clients to them. See {@link createRelayHub}. `Events` types what
 * producers send (see {@link SseEventOf}).
 */
export interface RelayHub<Events extends SseEventMap = RegisteredEvents> {
  /**
   * Starts a relay. With request options, resolves once the upstream answered 200
   * `text/event-stream`; with a producer, at once.
   *
   * @param source - The upstream request (`forward` is refused), or a producer.
   * @param options - `id`: the relay's id; by default 128 random bits, hex-encoded.
   * @returns The relay.
   * @throws Rejects with a TypeError naming an invalid option before any I/O; with
   * `SseUpstreamError` / `SseTimeoutError` as `sseRequest` does (no relay exists then); with
   * an Error when the hub runs `maxRelays` relays, the id is taken, or the hub is closed.
   */
  start(
    source: SseRequestOptions | RelayProducer<Events>,
    options?: { id?: string }
  ): Promise<Relay>
  /**
   * Sends a relay's events to a client: those after its cursor, then the live ones, then the
   * final `end` event, and closes the stream. A client that has every event of a finished
   * relay is answered `204 No Content`.
   *
   * @param id - The relay's id.
   * @param stream - The client's stream, not started yet (to answer 404 or 204 still).
   * @param options - `lastEventId`: the cursor, overriding the stream's `Last-Event-ID`;
   * `null` replays everything.
   * @returns How the attachment ended.
   * @throws Rejects with {@link RelayNotFoundError}, before the stream starts, for an unknown
   * or expired id; with a TypeError for invalid arguments.
   */
  attach(
    id: string,
    stream: AnySseStream,
    options?: { lastEventId?: string | null }
  ): Promise<AttachResult>
  /**
   * Stops a running relay from any instance: its upstream closes, its producer's signal
   * aborts, clients get the final `end` with `status: 'stopped'`.
   *
   * @param id - The relay's id.
   * @param reason - The `reason` of its {@link RelayEnd}.
   * @returns Whether a running relay was stopped.
   */
  stop(id: string, reason?: string): Promise<boolean>
  /**
   * @param id - The relay's id.
   * @returns Its status and event count; `undefined` when unknown or expired.
   */
  get(id: string): Promise<RelayInfo | undefined>
  /**
   * Stops the relays this hub runs (reason `shutdown`), closes its clients' streams and
   * releases its timers. Later calls reject, except `close`.
   */
  close(): Promise<void>
}

class Hub implements RelayHub<UntypedEvents>, RelayOwner {
  readonly #options: ResolvedHubOptions
  /** Relays this instance runs, by id. */
  readonly #running = new Map<string, RunningRelay>()
  /** Starts under way, counted against `maxRelays`. */
  #starting = 0
  /** Clients attached here, by relay id. */
  readonly #attached = new Map<string, Set<Attachment>>()
  #timer: ReturnType<typeof setInterval> | undefined
  /** Lease renewals, checks and presence pings under way, which `close` waits for. */
  readonly #inFlight = new Set<Promise<unknown>>()
  #closed = false

  constructor(options: ResolvedHubOptions) {
    this.#options = options
  }

  async start(
    source: SseRequestOptions | RelayProducer<UntypedEvents>,
    options?: { id?: string }
  ): Promise<Relay> {
    const given = checkStartOptions(options)
    const open = openSource(source)
    this.#checkOpen()
    const { maxRelays, backplane, lease, retention } = this.#options
    if (this.#running.size + this.#starting >= maxRelays) {
      throw new Error(
        `The relay hub runs ${maxRelays} relays already (maxRelays): wait for one to end.`
      )
    }
    this.#starting++
    let opened: RelaySource
    const id = given ?? randomRelayId()
    try {
      if (given !== undefined && (await backplane.readRelay(id)) !== undefined) {
        throw new Error(`A relay with the id ${JSON.stringify(id)} exists already.`)
      }
      opened = await open()
      const state: RelayState = { status: 'running', events: 0, leaseUntil: Date.now() + lease }
      let created: boolean
      try {
        created = await backplane.createRelay(id, state, lease + retention)
      } catch (error) {
        release(opened)
        throw error
      }
      if (!created) {
        release(opened)
        throw new Error(`A relay with the id ${JSON.stringify(id)} exists already.`)
      }
    } finally {
      this.#starting--
    }
    const relay = new RunningRelay(id, this.#options, this)
    this.#running.set(id, relay)
    this.#schedule()
    relay.armOrphanTimer()
    try {
      await relay.listen()
      await backplane.publish(relayLogChannel(id), START_RECORD, this.#logLimits())
    } catch (error) {
      release(opened)
      await relay.fail(error, 'backplane-error')
      return relay
    }
    if (this.#closed) {
      release(opened)
      await relay.finish({ status: 'stopped', reason: 'shutdown' })
    } else if ('call' in opened) void relay.pump(opened.call)
    else void relay.produce(opened.producer)
    return relay
  }

  async attach(
    id: string,
    stream: AnySseStream,
    options?: { lastEventId?: string | null }
  ): Promise<AttachResult> {
    checkRelayId(id, 'id')
    const internal = checkStream(stream)
    const cursor = checkCursor(options, internal)
    this.#checkOpen()
    const state = await this.#settle(id)
    if (state === undefined) throw new RelayNotFoundError(id)
    const attachment = new Attachment(id, internal, this.#options.backplane, this.#logLimits())
    const catchup = await attachment.catchUp(cursor)
    if (catchup === undefined) throw new RelayNotFoundError(id)
    let end = catchup.end
    if (end === undefined && state.status !== 'running') {
      // Ended without its `end` reaching the log (its instance died in between).
      end = endOfState(state)
      attachment.deliverEnd(end)
    }
    if (end !== undefined && cursor !== undefined && !catchup.resync && !catchup.hasEvents) {
      attachment.detach()
      internal.noContent()
      return { clientDisconnected: false, end }
    }
    this.#join(attachment)
    // The hub closed while the replay was read: the client reconnects elsewhere.
    if (this.#closed) attachment.cut()
    try {
      return await attachment.run()
    } finally {
      this.#leave(attachment)
    }
  }

  async stop(id: string, reason?: string): Promise<boolean> {
    checkRelayId(id, 'id')
    if (reason !== undefined && typeof reason !== 'string') {
      throw new TypeError(
        `The parameter "reason" of stop() must be a string; got ${describe(reason)}.`
      )
    }
    this.#checkOpen()
    const end: RelayEnd =
      reason === undefined ? { status: 'stopped' } : { status: 'stopped', reason }
    const local = this.#running.get(id)
    if (local !== undefined) return local.finish(end)
    const state = await this.#settle(id)
    if (state?.status !== 'running') return false
    return endElsewhere(this.#options, id, state, end)
  }

  async get(id: string): Promise<RelayInfo | undefined> {
    checkRelayId(id, 'id')
    this.#checkOpen()
    const local = this.#running.get(id)
    const state = await this.#settle(id)
    if (state === undefined) return undefined
    let events = state.events
    if (state.status === 'running') {
      events =
        local !== undefined ? local.events : await countEvents(this.#options, id, state.events)
    }
    return { id, status: state.status, events }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#unschedule()
    const shutdown: RelayEnd = { status: 'stopped', reason: 'shutdown' }
    await Promise.all([...this.#running.values()].map((relay) => relay.finish(shutdown)))
    for (const attachments of this.#attached.values()) {
      for (const attachment of attachments) attachment.cut()
    }
    // Nothing this hub started writes to the backplane once `close` resolved.
    while (this.#inFlight.size > 0) await Promise.allSettled(this.#inFlight)
  }

  released(relay: RunningRelay): void {
    if (this.#running.get(relay.id) === relay) this.#running.delete(relay.id)
    this.#unscheduleIfIdle()
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('The relay hub is closed.')
  }

  #logLimits(): ReturnType<typeof logLimits> {
    return logLimits(this.#options.maxEvents, this.#options.maxBytes)
  }

  /**
   * Reads a relay's state, ending it `failed` first when it is running past its lease: the
   * instance that ran it is gone.
   */
  async #settle(id: string): Promise<RelayState | undefined> {
    const { backplane } = this.#options
    const state = await backplane.readRelay(id)
    if (state?.status !== 'running' || state.leaseUntil >= Date.now()) return state
    if (this.#running.has(id)) return state
    await endElsewhere(this.#options, id, state, { status: 'failed', reason: 'owner-lost' })
    return backplane.readRelay(id)
  }

  #join(attachment: Attachment): void {
    const id = attachment.relayId
    let attachments = this.#attached.get(id)
    if (attachments === undefined) {
      attachments = new Set()
      this.#attached.set(id, attachments)
      const local = this.#running.get(id)
      if (local !== undefined) local.disarmOrphanTimer()
      else this.#announce(id)
    }
    attachments.add(attachment)
    this.#schedule()
  }

  #leave(attachment: Attachment): void {
    const id = attachment.relayId
    const attachments = this.#attached.get(id)
    if (attachments?.delete(attachment) !== true || attachments.size > 0) return
    this.#attached.delete(id)
    this.#running.get(id)?.armOrphanTimer()
    this.#unscheduleIfIdle()
  }

  /** Tells the instance running the relay that clients are attached here. */
  #announce(id: string): void {
    if (this.#closed) return
    try {
      const sent = this.#options.backplane.publish(
        relayPresenceChannel(id),
        PRESENCE_RECORD,
        NO_HISTORY
      )
      if (typeof sent !== 'string') {
        this.#track(sent.catch((error: unknown) => this.#options.onError(error, id, 'presence')))
      }
    } catch (error) {
      this.#options.onError(error, id, 'presence')
    }
  }

  /** Renews the leases of the relays run here; watches those run elsewhere for clients here. */
  readonly #tick = (): void => {
    const now = Date.now()
    for (const relay of this.#running.values()) this.#track(relay.renew(now))
    for (const [id, attachments] of this.#attached) {
      if (this.#running.has(id)) continue
      this.#announce(id)
      this.#track(
        this.#watch(id, attachments).catch((error: unknown) => {
          this.#options.onError(error, id, 'state-check')
        })
      )
    }
  }

  /** Keeps a write under way until it settles, for `close` to wait for. */
  #track(work: Promise<unknown>): void {
    this.#inFlight.add(work)
    const settled = (): void => {
      this.#inFlight.delete(work)
    }
    work.then(settled, settled)
  }

  /** Ends the clients of a relay whose instance died, or whose record is gone. */
  async #watch(id: string, attachments: Set<Attachment>): Promise<void> {
    const state = await this.#settle(id)
    if (state !== undefined) return
    const end: RelayEnd = { status: 'failed', reason: 'owner-lost' }
    for (const attachment of attachments) attachment.deliverEnd(end)
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return
    const { lease, orphanTimeout } = this.#options
    const every = Math.max(10, Math.min(lease, orphanTimeout) / 3)
    this.#timer = unref(setInterval(this.#tick, every))
  }

  #unscheduleIfIdle(): void {
    if (this.#running.size === 0 && this.#attached.size === 0) this.#unschedule()
  }

  #unschedule(): void {
    if (this.#timer === undefined) return
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}

function release(source: RelaySource): void {
  if ('call' in source) source.call.release()
}

function endOfState(state: RelayState): RelayEnd {
  const status = state.status === 'running' ? 'failed' : state.status
  return state.reason === undefined ? { status } : { status, reason: state.reason }
}

/**
 * Creates a hub of durable relays: upstream requests or producers that run detached from the
 * request that started them, keep their events in a bounded log, and let clients attach,
 * leave and resume with `Last-Event-ID`, on this instance or, through a shared backplane, on
 * any other.
 *
 * @typeParam Events - The event map of the relays' producers; the registered one by default.
 * @param options - The backplane, `orphanTimeout`, `retention`, bounds and lease.
 * @returns The hub.
 * @throws TypeError naming the first invalid option.
 *
 * @example
 * ```ts
 * const relays = createRelayHub()
 * app.post('/answers', async (req, res) => {
 *   const { id } = await relays.start({ url: LLM_URL, method: 'POST', body: req.body })
 *   res.json({ id })
 * })
 * app.get('/answers/:id', async (req, res) => {
 *   try {
 *     await relays.attach(req.params.id, res.sse)
 *   } catch (error) {
 *     if (error instanceof RelayNotFoundError) res.sendStatus(404)
 *     else throw error
 *   }
 * })
 * app.delete('/answers/:id', async (req, res) => {
 *   res.json({ stopped: await relays.stop(req.params.id) })
 * })
 * ```
 */
export function createRelayHub<Events extends SseEventMap = RegisteredEvents>(
  options?: RelayHubOptions
): RelayHub<Events>
// Last, so that `ReturnType<typeof createRelayHub>` is the hub of the registered map.
export function createRelayHub(options?: RelayHubOptions): RelayHub
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- whichever map the caller chose
export function createRelayHub(options?: RelayHubOptions): RelayHub<any> {
  return new Hub(resolveHubOptions(options))
}
