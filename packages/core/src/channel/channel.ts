import {
  isPromise,
  type Backplane,
  type BackplaneListener,
  type BackplaneRecord,
  type BackplaneSubscription,
  type HistoryLimits,
  type ReplayResult,
} from './backplane.js'
import { ChannelErrors } from './errors.js'
import { messageOf, resyncMessage } from './message.js'
import {
  broadcastMeta,
  checkSubscribeOptions,
  resolveChannelOptions,
  type BroadcastOptions,
  type ChannelOptions,
  type SubscribeOptions,
} from './options.js'
import { describe, otherCopyNote } from '../util/index.js'
import { formatEvent, type SseEvent } from '../event/format.js'
import type { RegisteredEvents, SseEventMap, SseEventOf, UntypedEvents } from '../event/typed.js'
import { createMemoryBackplane } from './memory-backplane.js'
import { sendFrame, type InternalStream } from '../stream/internal.js'
import type { AnySseStream } from '../stream/types.js'
import { Subscriber, type SubscriberHost, type Subscription } from './subscriber.js'

/** What became of a broadcast. */
export interface BroadcastResult {
  /**
   * `true`: the backplane took the event, so every subscriber receives it and it is in the
   * history. `false`: the backplane failed (the error goes to `onError`); with a remote
   * backplane the event may or may not have reached anyone.
   */
  readonly published: boolean
  /** The event's id: the channel's, the event's own, or `undefined` without either. */
  readonly id: string | undefined
}

/**
 * A named group of event streams that receive the same broadcasts: a chat room, a dashboard,
 * a job's progress. Create one per topic with {@link createChannel}. `Events` types what
 * `broadcast` accepts (see {@link SseEventOf}).
 */
export interface Channel<Events extends SseEventMap = RegisteredEvents> {
  /** The channel's name; processes sharing a backplane share the channels of a name. */
  readonly name: string
  /** How many streams of this process are subscribed. */
  readonly size: number
  /**
   * Subscribes a stream (`res.sse`, `ctx.sse`, Hono's `stream`) and starts it. If the request
   * carries a `Last-Event-ID` still in the history, the events after it are sent first, in
   * order, then live ones, with none missing or repeated; if the history does not reach back
   * that far, the client receives the resync event. The stream leaves the channel by itself
   * when it closes.
   *
   * @param stream - The stream to subscribe.
   * @param options - A filter, or where to resume from.
   * @returns The subscription.
   * @throws TypeError for a stream that is not an `SseStream` of this library, or bad options;
   * Error when the response had already started without being an event stream.
   *
   * @example
   * ```ts
   * app.get('/news', (req, res) => {
   *   news.subscribe(res.sse)
   * })
   * ```
   */
  subscribe(stream: AnySseStream, options?: SubscribeOptions): Subscription
  /**
   * Sends an event to every subscriber, in every process sharing the backplane, and keeps it
   * in the history. The event is serialized once, however many receive it; a slow subscriber
   * delays nobody, and the returned promise does not wait for any client.
   *
   * @param event - The event; without an `id`, it gets the channel's next id (option `ids`).
   * @param options - `meta` for subscriber filters.
   * @returns Whether the backplane took the event, and its id. Never rejects because the
   * backplane failed.
   * @throws Rejects with a TypeError naming the field for an event that cannot be sent, before
   * anything is published.
   *
   * @example
   * ```ts
   * await news.broadcast({ event: 'headline', data: { title } })
   * ```
   */
  broadcast(event: SseEventOf<Events>, options?: BroadcastOptions): Promise<BroadcastResult>
}

const NOT_PUBLISHED: BroadcastResult = Object.freeze({ published: false, id: undefined })

class EventChannel implements Channel<UntypedEvents>, BackplaneListener, SubscriberHost {
  readonly name: string
  readonly resyncEvent: string
  readonly #backplane: Backplane
  readonly #ids: boolean
  readonly #history: HistoryLimits
  readonly #errors: ChannelErrors
  readonly #subscribers = new Set<Subscriber>()
  #membership: BackplaneSubscription | undefined
  /** Resolves when the membership receives live messages; `undefined` once it does. */
  #joining: Promise<void> | undefined

  constructor(name: string, options: ChannelOptions | undefined) {
    const resolved = resolveChannelOptions(name, options)
    this.name = name
    this.resyncEvent = resolved.resyncEvent
    this.#backplane = resolved.backplane ?? createMemoryBackplane()
    this.#ids = resolved.ids
    this.#history = resolved.history
    this.#errors = new ChannelErrors(name, resolved.onError)
  }

  get size(): number {
    return this.#subscribers.size
  }

  subscribe(stream: AnySseStream, options?: SubscribeOptions): Subscription {
    if (!isInternalStream(stream)) {
      throw new TypeError(
        `subscribe() needs the SseStream of a request (res.sse, ctx.sse, or Hono's stream); got ${describe(stream)}.${otherCopyNote(stream, ['send', 'init', 'close'])}`
      )
    }
    const { filter, lastEventId } = checkSubscribeOptions(options)
    if (!stream.clientDisconnected) stream.init()
    if (stream.clientDisconnected) {
      const ended = new Subscriber(stream, filter, this, undefined)
      ended.unsubscribe()
      return ended
    }
    const subscriber = new Subscriber(stream, filter, this, this.#join())
    this.#subscribers.add(subscriber)
    const cursor = lastEventId === undefined ? stream.lastEventId : lastEventId
    if (cursor !== null && cursor !== undefined && cursor !== '') subscriber.resume(cursor)
    return subscriber
  }

  broadcast(event: SseEvent, options?: BroadcastOptions): Promise<BroadcastResult> {
    let record: BackplaneRecord
    let published: string | Promise<string>
    try {
      const meta = broadcastMeta(options)
      const body = formatEvent(event)
      const id = event.id
      record = { body, autoId: this.#ids && id === undefined, id, event: event.event, meta }
      published = this.#backplane.publish(this.name, record, this.#history)
    } catch (error) {
      return Promise.reject(error)
    }
    if (!isPromise(published)) return Promise.resolve(resultOf(published, record))
    return published.then(
      (seq) => resultOf(seq, record),
      (error: unknown) => {
        this.#errors.failed('broadcast', error)
        return NOT_PUBLISHED
      }
    )
  }

  onMessage(seq: string, record: BackplaneRecord): void {
    const message = messageOf(seq, record)
    for (const subscriber of this.#subscribers) subscriber.onMessage(message)
  }

  onReset(): void {
    const notice = resyncMessage(this.resyncEvent, 'backplane', null)
    for (const subscriber of this.#subscribers) subscriber.onNotice(notice)
  }

  replay(cursor: string): ReplayResult | Promise<ReplayResult> {
    const joining = this.#joining
    if (joining === undefined) return this.#backplane.replay(this.name, cursor, this.#history)
    return joining.then(() => this.#backplane.replay(this.name, cursor, this.#history))
  }

  remove(subscriber: Subscriber): void {
    if (!this.#subscribers.delete(subscriber) || this.#subscribers.size > 0) return
    // The last local subscriber left: stop receiving the channel's messages.
    this.#membership?.unsubscribe()
    this.#membership = undefined
    this.#joining = undefined
  }

  filterThrew(error: unknown): void {
    this.#errors.filterThrew(error)
  }

  replayFailed(error: unknown): void {
    this.#errors.failed('replay', error)
  }

  /** Receives the channel's messages from the backplane while anyone here is subscribed. */
  #join(): Promise<void> | undefined {
    if (this.#membership !== undefined) return this.#joining
    const membership = this.#backplane.subscribe(this.name, this)
    this.#membership = membership
    const ready = membership.ready
    if (ready === undefined) return undefined
    const joining = ready.then(
      () => {
        if (this.#membership === membership) this.#joining = undefined
      },
      (error: unknown) => {
        this.#errors.failed('joining the backplane', error)
      }
    )
    this.#joining = joining
    return joining
  }
}

function resultOf(seq: string, record: BackplaneRecord): BroadcastResult {
  return { published: true, id: record.autoId ? seq : record.id }
}

function isInternalStream(stream: unknown): stream is InternalStream {
  return (
    typeof stream === 'object' &&
    stream !== null &&
    typeof (stream as Partial<InternalStream>)[sendFrame] === 'function'
  )
}

/**
 * Creates a channel: streams subscribe to it, and each broadcast reaches all of them (or those
 * whose filter accepts it), serialized once. Events get increasing ids and stay in a bounded
 * history, so a client that reconnects with `Last-Event-ID` receives exactly what it missed,
 * or a resync event when the history no longer reaches back that far.
 *
 * By default the channel lives in this process. With a shared backplane such as
 * `@ssekit/redis`'s, broadcasts reach the subscribers of every instance and a client may
 * reconnect to any of them.
 *
 * @typeParam Events - The channel's event map; the registered one by default.
 * @param name - The channel's name, unique per backplane.
 * @param options - Backplane, ids, history bounds, resync event, error handler.
 * @returns The channel.
 * @throws TypeError naming the first invalid argument.
 *
 * @example
 * ```ts
 * const news = createChannel('news', { history: { maxEvents: 100 } })
 *
 * app.get('/news', (req, res) => {
 *   news.subscribe(res.sse)
 * })
 * app.post('/news', async (req, res) => {
 *   const { id } = await news.broadcast({ event: 'headline', data: req.body })
 *   res.json({ id })
 * })
 * ```
 */
export function createChannel<Events extends SseEventMap = RegisteredEvents>(
  name: string,
  options?: ChannelOptions
): Channel<Events>
// Last, so that `ReturnType<typeof createChannel>` is the channel of the registered map.
export function createChannel(name: string, options?: ChannelOptions): Channel
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- whichever map the caller chose
export function createChannel(name: string, options?: ChannelOptions): Channel<any> {
  return new EventChannel(name, options)
}
