import type { RedisArgument } from '@redis/client'
import type { ScriptRunner } from './script.js'

/** The commands the backplane runs besides its scripts. */
export interface Commands extends ScriptRunner {
  get(key: RedisArgument): Promise<string | null>
}

/** Receives a pub/sub message's text. */
export type MessageListener = (message: string) => void

/** What a link tells the backplane about its connections. */
export interface LinkEvents {
  /** A connection failed (reported once per outage by the backplane). */
  readonly error: (error: unknown) => void
  /** A connection is up again: the outage is over. */
  readonly up: () => void
  /**
   * Pub/sub may have missed messages (a connection dropped, or subscriptions moved to another
   * node): channels hold what comes next until they know what was missed.
   */
  readonly lost: () => void
  /**
   * Only on links without {@link RedisLink.probe}: every subscription is in place again, so
   * channels can read what they missed.
   */
  readonly restored: () => void
}

/**
 * The backplane's connections to one Redis deployment (a server, a cluster, or servers managed
 * by Sentinel): commands, and pub/sub for channels' broadcasts.
 */
export interface RedisLink {
  /** Runs commands, each waiting as long as it takes. */
  readonly commands: Commands
  /** Runs commands that give up after the backplane's `publishTimeout`. */
  readonly timed: Commands
  /** The command with which the publish script fans a broadcast out. */
  readonly publishCommand: 'PUBLISH' | 'SPUBLISH'
  /**
   * Publishes an empty probe on a pub/sub channel, which tells a subscriber that its
   * subscription is in place; absent on a link whose connections report when their
   * subscriptions are back ({@link LinkEvents.restored}).
   */
  readonly probe: ((channel: string) => Promise<unknown>) | undefined
  subscribe(channel: string, listener: MessageListener): Promise<unknown>
  unsubscribe(channel: string, listener: MessageListener): Promise<unknown>
  /** Connects; rejects when the connections give up first. */
  connect(): Promise<unknown>
  /** Closes every connection at once; commands still waiting fail. */
  destroy(): void
}

/** The text of a probe: no stream id, so no broadcast's message looks like one. */
export const PROBE = '\n'
