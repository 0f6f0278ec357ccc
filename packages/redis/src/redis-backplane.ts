import { createClient } from '@redis/client'
import type {
  Backplane,
  BackplaneListener,
  BackplaneRecord,
  BackplaneSubscription,
  HistoryLimits,
  RelayState,
  RelayStore,
  ReplayResult,
} from '@ssekit/core'
import { decodeEntry, encodeHeader, type StreamEntry } from './codec.js'
import { checkOptions, type RedisBackplaneOptions } from './check-options.js'
import { channelTag, parseCursor, type Cursor } from './cursor.js'
import { Feed, type FeedRead } from './feed.js'
import { channelKeys, indexKey, relayKey, relayOfLog } from './keys.js'
import { RedisRelayStore } from './relay-store.js'
import { luaScript, runScript } from './script.js'
import { PUBLISH_SCRIPT, REPLAY_SCRIPT } from './scripts.js'

/**
 * A backplane that shares channels between instances through Redis, and relays' state too:
 * one key per relay, `<prefix>` then the byte 0xFF, `relay:` and the relay's id, which no
 * channel's keys can equal (0xFF never occurs in UTF-8), expiring with the relay.
 */
export interface RedisBackplane extends Backplane, RelayStore {
  /**
   * @returns A promise that resolves once both connections to Redis are up; it rejects when
   * the reconnection strategy gives up first.
   */
  connected(): Promise<void>
  /**
   * Closes both connections at once; broadcasts still waiting for Redis resolve
   * `{ published: false }`. Idempotent.
   */
  close(): Promise<void>
}

/** Default milliseconds a broadcast may wait for Redis. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000

type Client = ReturnType<typeof createClient>

class RedisStreamsBackplane implements RedisBackplane {
  readonly #commands: Client
  /** The command connection, with `publishTimeout` on every command. */
  readonly #timed: Client
  /** The connection in pub/sub mode, which can run no other command. */
  readonly #subscriber: Client
  readonly #prefix: string
  readonly #publishTimeout: number
  readonly #feeds = new Map<string, Feed>()
  readonly #relays: RedisRelayStore
  readonly #onError: (error: unknown) => void
  readonly #connecting: Promise<unknown>
  /** An outage was reported; the next ones are not until a connection is up again. */
  #down = false
  #closed = false

  constructor(options: RedisBackplaneOptions) {
    const { url, redis, prefix, publishTimeout, onError } = checkOptions(options)
    this.#prefix = prefix ?? 'ssekit:'
    this.#onError =
      onError ??
      ((error) => {
        console.error('[ssekit] redis backplane:', error)
      })
    this.#commands = createClient(url === undefined ? redis : { ...redis, url })
    this.#publishTimeout = publishTimeout ?? DEFAULT_PUBLISH_TIMEOUT_MS
    this.#timed = this.#commands.withCommandOptions({ timeout: this.#publishTimeout })
    this.#subscriber = this.#commands.duplicate()
    this.#relays = new RedisRelayStore(this.#timed, this.#prefix, (error) =>
      this.#timedError(error)
    )
    for (const client of [this.#commands, this.#subscriber]) {
      client.on('error', this.#onConnectionError)
      client.on('ready', this.#onReady)
    }
    // A lost pub/sub connection loses messages: hold what comes after it reconnects until the
    // stream tells what was missed.
    this.#subscriber.on('reconnecting', () => {
      for (const feed of this.#feeds.values()) feed.hold()
    })
    this.#connecting = Promise.all([this.#commands.connect(), this.#subscriber.connect()])
    this.#connecting.catch(this.#report)
  }

  publish(channel: string, record: BackplaneRecord, history: HistoryLimits): Promise<string> {
    const header = encodeHeader(record)
    const key = this.#prefix + channel
    const relay = relayOfLog(channel)
    return runScript(this.#timed, PUBLISH, {
      keys:
        relay === undefined
          ? channelKeys(key)
          : [...channelKeys(key), relayKey(this.#prefix, relay)],
      arguments: [
        key,
        bound(history.maxEvents),
        bound(history.maxAge),
        record.body,
        header,
        record.id ?? '',
      ],
    }).then(
      (id) => {
        if (typeof id !== 'string') throw new Error(`Redis answered XADD with ${typeof id}.`)
        return channelTag(key) + id
      },
      (error: unknown) => {
        throw this.#timedError(error)
      }
    )
  }

  subscribe(channel: string, listener: BackplaneListener): BackplaneSubscription {
    let feed = this.#feeds.get(channel)
    if (feed === undefined) feed = this.#join(channel)
    const joined = feed
    joined.listeners.add(listener)
    return {
      ready: joined.isReady ? undefined : joined.ready,
      unsubscribe: () => {
        if (!joined.listeners.delete(listener) || joined.listeners.size > 0) return
        this.#leave(channel, joined)
      },
    }
  }

  async replay(channel: string, cursor: string, history: HistoryLimits): Promise<ReplayResult> {
    const tag = channelTag(this.#prefix + channel)
    let read: FeedRead
    try {
      read = await this.#readStream(this.#timed, channel, parseCursor(cursor, tag), history, false)
    } catch (error) {
      throw this.#timedError(error)
    }
    // Merge point for the channel: what the replay holds, the feed must have delivered too.
    const feed = this.#feeds.get(channel)
    if (feed !== undefined && read.last !== undefined) await feed.until(read.last)
    return {
      found: read.found,
      messages: read.messages.map(({ seq, record }) => ({ seq: tag + seq, record })),
      last: read.last === undefined ? undefined : tag + read.last,
    }
  }

  createRelay(id: string, state: RelayState, ttl: number): Promise<boolean> {
    return this.#relays.createRelay(id, state, ttl)
  }

  readRelay(id: string): Promise<RelayState | undefined> {
    return this.#relays.readRelay(id)
  }

  updateRelay(id: string, state: RelayState, ttl: number): Promise<boolean> {
    return this.#relays.updateRelay(id, state, ttl)
  }

  connected(): Promise<void> {
    return this.#connecting.then(() => undefined)
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closed = true
    for (const feed of this.#feeds.values()) feed.close()
    this.#feeds.clear()
    for (const client of [this.#subscriber, this.#commands]) {
      client.off('ready', this.#onReady)
      client.destroy()
    }
    return Promise.resolve()
  }

  #join(channel: string): Feed {
    const feed = new Feed(
      channelTag(this.#prefix + channel),
      (cursor) => {
        const from = cursor === undefined ? NO_CURSOR : ({ kind: 's', value: cursor } as const)
        return this.#readStream(this.#commands, channel, from, UNBOUNDED, true)
      },
      this.#report
    )
    this.#feeds.set(channel, feed)
    void this.#subscriber.subscribe(this.#prefix + channel, feed.onPayload).then(() => {
      feed.subscribed = true
      return feed.fill()
    }, this.#report)
    return feed
  }

  #leave(channel: string, feed: Feed): void {
    feed.close()
    if (this.#feeds.get(channel) === feed) this.#feeds.delete(channel)
    if (this.#closed) return
    this.#subscriber.unsubscribe(this.#prefix + channel, feed.onPayload).catch(this.#report)
  }

  async #readStream(
    client: Client,
    channel: string,
    cursor: Cursor | typeof NO_CURSOR,
    history: HistoryLimits,
    fill: boolean
  ): Promise<FeedRead> {
    const key = this.#prefix + channel
    const reply = (await runScript(client, REPLAY, {
      keys: [key, indexKey(key)],
      arguments: [
        cursor.value,
        cursor.kind,
        bound(history.maxEvents),
        bound(history.maxBytes),
        bound(history.maxAge),
        fill ? '1' : '0',
      ],
    })) as [found: number, last: string | null, entries: StreamEntry[]]
    const [found, last, entries] = reply
    return { found: found === 1, messages: entries.map(decodeEntry), last: last ?? undefined }
  }

  /** Says what an error without a message of a command run with `publishTimeout` means. */
  #timedError(error: unknown): unknown {
    if (
      error instanceof Error &&
      error.message === '' &&
      error.constructor.name === 'TimeoutError'
    ) {
      return new Error(`Redis did not answer within publishTimeout (${this.#publishTimeout} ms).`, {
        cause: error,
      })
    }
    return withMessage(error, 'A Redis command failed')
  }

  readonly #onReady = (): void => {
    this.#down = false
    // Both connections must be up to read what pub/sub missed.
    if (!this.#commands.isReady || !this.#subscriber.isReady) return
    for (const feed of this.#feeds.values()) {
      if (feed.subscribed && feed.holding) void feed.fill()
    }
  }

  readonly #onConnectionError = (error: unknown): void => {
    if (this.#down || this.#closed) return
    this.#report(withMessage(error, 'The connection to Redis failed'))
    this.#down = true
  }

  /** Reports an error, unless it follows from an outage already reported. */
  readonly #report = (error: unknown): void => {
    if (this.#down || this.#closed) return
    try {
      this.#onError(withMessage(error, 'A Redis command failed'))
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }
}

const PUBLISH = luaScript(PUBLISH_SCRIPT)
const REPLAY = luaScript(REPLAY_SCRIPT)

const UNBOUNDED: HistoryLimits = { maxEvents: Infinity, maxBytes: Infinity, maxAge: Infinity }

/** Asks the replay script for the stream's newest id only. */
const NO_CURSOR = { kind: '', value: '' } as const

/** A history bound as the scripts take it: `-1` for none. */
function bound(value: number): string {
  return value === Infinity ? '-1' : String(value)
}

/**
 * Gives an error without a message one that says what failed: connecting to `localhost` can
 * fail with an `AggregateError` whose message is empty.
 *
 * @param error - What was thrown.
 * @param what - What failed, for the message.
 * @returns The error itself when it has a message; else an Error with it as the cause.
 */
function withMessage(error: unknown, what: string): unknown {
  if (error instanceof Error && error.message !== '') return error
  const code = (error as { code?: unknown } | null)?.code
  const inner = error instanceof AggregateError ? (error.errors[0] as unknown) : undefined
  const detail = inner instanceof Error && inner.message !== '' ? inner.message : code
  return new Error(typeof detail === 'string' ? `${what}: ${detail}` : `${what}.`, {
    cause: error,
  })
}

/**
 * Creates a backplane that shares channels between instances through Redis: broadcasts made on
 * any instance reach the subscribers of every instance, and each channel's history lives in a
 * Redis Stream, so a client can reconnect to any instance with `Last-Event-ID`.
 *
 * It opens two connections (one for commands, one in pub/sub mode) and reconnects both by
 * itself. After a lost connection it reads from the stream what pub/sub missed, so no
 * subscriber misses a broadcast; if the stream lost it too (Redis restarted), subscribers
 * receive the channel's resync event. Needs Redis 6.2 or later.
 *
 * @param options - Where Redis is, key prefix, timeout, error handler.
 * @returns The backplane; give it to every channel that should span instances.
 * @throws TypeError naming the first invalid option.
 *
 * @example
 * ```ts
 * const backplane = createRedisBackplane({ url: process.env.REDIS_URL })
 * const news = createChannel('news', { backplane })
 * ```
 */
export function createRedisBackplane(options?: RedisBackplaneOptions): RedisBackplane {
  return new RedisStreamsBackplane(options ?? {})
}
