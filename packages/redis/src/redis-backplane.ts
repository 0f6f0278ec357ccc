import type {
  Backplane,
  BackplaneListener,
  BackplaneRecord,
  BackplaneSubscription,
  HistoryLimits,
  RelayState,
  RelayStore,
  ReplayResult,
} from '@ssekit/core/backplane'
import { decodeEntry, encodeHeader, type StreamEntry } from './codec.js'
import { checkOptions, type RedisBackplaneOptions } from './check-options.js'
import { channelTag, parseCursor, type Cursor } from './cursor.js'
import { Feed, type FeedRead } from './feed.js'
import { clusterLink } from './cluster-link.js'
import {
  channelKeys,
  clusterKeys,
  indexKey,
  relayOfLog,
  serverKeys,
  type KeyLayout,
} from './keys.js'
import type { Commands, RedisLink } from './link.js'
import { RedisRelayStore } from './relay-store.js'
import { luaScript, runScript } from './script.js'
import { sentinelLink } from './sentinel-link.js'
import { serverLink } from './single-link.js'
import { PUBLISH_SCRIPT, REPLAY_SCRIPT } from './scripts.js'

/**
 * A backplane that shares channels between instances through Redis, and relays' state too:
 * one key per relay, `<prefix>` then the byte 0xFF, `relay:` and the relay's id (in a cluster,
 * its log channel's key, then 0xFF and `relay`), which no channel's keys can equal (0xFF never
 * occurs in UTF-8), expiring with the relay.
 */
export interface RedisBackplane extends Backplane, RelayStore {
  /**
   * @returns A promise that resolves once the connections to Redis are up (both connections to
   * a server; the cluster's topology and masters; the master Sentinel names); it rejects when
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

class RedisStreamsBackplane implements RedisBackplane {
  readonly #link: RedisLink
  readonly #keys: KeyLayout
  readonly #publishTimeout: number
  readonly #feeds = new Map<string, Feed>()
  readonly #relays: RedisRelayStore
  readonly #onError: (error: unknown) => void
  readonly #connecting: Promise<unknown>
  /** An outage was reported; the next ones are not until a connection is up again. */
  #down = false
  #closed = false

  constructor(options: RedisBackplaneOptions) {
    const { url, redis, cluster, sentinel, prefix, publishTimeout, onError } = checkOptions(options)
    const keyPrefix = prefix ?? 'ssekit:'
    this.#keys = cluster === undefined ? serverKeys(keyPrefix) : clusterKeys(keyPrefix)
    this.#onError =
      onError ??
      ((error) => {
        console.error('[ssekit] redis backplane:', error)
      })
    this.#publishTimeout = publishTimeout ?? DEFAULT_PUBLISH_TIMEOUT_MS
    const events = {
      error: this.#onConnectionError,
      up: this.#onUp,
      // A lost pub/sub connection loses messages: hold what comes after it until the stream
      // tells what was missed.
      lost: () => {
        for (const feed of this.#feeds.values()) feed.lost()
      },
      restored: this.#onRestored,
    }
    if (cluster !== undefined) {
      this.#link = clusterLink(cluster, this.#publishTimeout, events)
    } else if (sentinel !== undefined) {
      this.#link = sentinelLink(sentinel, this.#publishTimeout, events)
    } else {
      this.#link = serverLink(
        url === undefined ? (redis ?? {}) : { ...redis, url },
        this.#publishTimeout,
        events
      )
    }
    this.#relays = new RedisRelayStore(this.#link.timed, this.#keys, (error) =>
      this.#timedError(error)
    )
    this.#connecting = this.#link.connect()
    this.#connecting.catch(this.#report)
  }

  publish(channel: string, record: BackplaneRecord, history: HistoryLimits): Promise<string> {
    const header = encodeHeader(record)
    const key = this.#keys.channel(channel)
    const relay = relayOfLog(channel)
    return runScript(this.#link.timed, PUBLISH, {
      keys: relay === undefined ? channelKeys(key) : [...channelKeys(key), this.#keys.relay(relay)],
      arguments: [
        key,
        bound(history.maxEvents),
        bound(history.maxAge),
        record.body,
        header,
        record.id ?? '',
        this.#link.publishCommand,
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
    const tag = channelTag(this.#keys.channel(channel))
    let read: FeedRead
    try {
      read = await this.#readStream(
        this.#link.timed,
        channel,
        parseCursor(cursor, tag),
        history,
        false
      )
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
    this.#link.destroy()
    return Promise.resolve()
  }

  #join(channel: string): Feed {
    const key = this.#keys.channel(channel)
    const { probe } = this.#link
    const feed = new Feed(
      channelTag(key),
      (cursor) => {
        const from = cursor === undefined ? NO_CURSOR : ({ kind: 's', value: cursor } as const)
        return this.#readStream(this.#link.commands, channel, from, UNBOUNDED, true)
      },
      this.#report,
      probe === undefined ? undefined : () => probe(key)
    )
    this.#feeds.set(channel, feed)
    void this.#link.subscribe(key, feed.onPayload).then(() => {
      feed.subscribed = true
      return feed.fill()
    }, this.#report)
    return feed
  }

  #leave(channel: string, feed: Feed): void {
    feed.close()
    if (this.#feeds.get(channel) === feed) this.#feeds.delete(channel)
    if (this.#closed) return
    this.#link.unsubscribe(this.#keys.channel(channel), feed.onPayload).catch(this.#report)
  }

  async #readStream(
    client: Commands,
    channel: string,
    cursor: Cursor | typeof NO_CURSOR,
    history: HistoryLimits,
    fill: boolean
  ): Promise<FeedRead> {
    const key = this.#keys.channel(channel)
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

  readonly #onUp = (): void => {
    this.#down = false
  }

  /** Pub/sub is back on a server: read what it missed. */
  readonly #onRestored = (): void => {
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
