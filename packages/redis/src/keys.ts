/**
 * The Redis keys of the backplane. On one server (or Sentinel-managed servers), a channel's
 * keys are the prefix and its name in UTF-8, plus two suffixed keys for its own-id index; a
 * relay's record is the prefix, the byte 0xFF (which never occurs in UTF-8, so no channel name
 * makes such a key), `relay:` and the relay's id. In a cluster, the channel's name is a hash
 * tag (`<prefix>{<name>}`), so that all of a channel's keys, and the record of the relay whose
 * log it is, live in one slot.
 */

import { relayLogChannel } from '@ssekit/core/backplane'

/** How the backplane names its keys: one layout for a single server, one for a cluster. */
export interface KeyLayout {
  /**
   * @param channel - A channel's name.
   * @returns The key of its stream, which is also its pub/sub channel.
   */
  channel(channel: string): string
  /**
   * @param id - A relay's id.
   * @returns The key of the relay's record, in the slot of its log channel's keys.
   */
  relay(id: string): Buffer
}

/**
 * @param prefix - The backplane's key prefix.
 * @returns The layout of one server: `<prefix><channel>`, `<prefix>\xffrelay:<id>`.
 */
export function serverKeys(prefix: string): KeyLayout {
  const relayStart = Buffer.concat([Buffer.from(prefix), RELAY_MARK])
  return {
    channel: (channel) => prefix + channel,
    relay: (id) => Buffer.concat([relayStart, Buffer.from(`relay:${id}`)]),
  }
}

/**
 * The layout of a cluster: `<prefix>{<channel>}`, and a relay's record is its log channel's
 * key followed by the byte 0xFF and `relay`. A name that starts with `}` (which would make the
 * hash tag empty, and Redis hash the whole key) or with `\` is preceded by a `\`, so the tag is
 * never empty and no two names share a key.
 *
 * @param prefix - The backplane's key prefix, without braces (checked with the options).
 * @returns The layout.
 */
export function clusterKeys(prefix: string): KeyLayout {
  const channel = (name: string): string => {
    const escaped = name.startsWith('}') || name.startsWith('\\') ? `\\${name}` : name
    return `${prefix}{${escaped}}`
  }
  return {
    channel,
    relay: (id) => Buffer.concat([Buffer.from(channel(relayLogChannel(id))), CLUSTER_RELAY_MARK]),
  }
}

const RELAY_MARK = Buffer.from([0xff])
const CLUSTER_RELAY_MARK = Buffer.from([0xff, ...Buffer.from('relay')])

/**
 * The key of a channel's own-id index: a hash from each event's own id to its stream id.
 *
 * @param key - The channel's stream key.
 * @returns The index's key.
 */
export function indexKey(key: string): string {
  return `${key}:own-ids`
}

/**
 * The key of the list that orders a channel's own-id index like the stream, to trim it.
 *
 * @param key - The channel's stream key.
 * @returns The list's key.
 */
function indexOrderKey(key: string): string {
  return `${key}:own-id-order`
}

/**
 * @param key - A channel's stream key.
 * @returns Every key the channel's history occupies: the stream, its index, the index's order.
 */
export function channelKeys(key: string): [stream: string, index: string, order: string] {
  return [key, indexKey(key), indexOrderKey(key)]
}

/** What every relay's log channel is named with, before the relay's id. */
const LOG_CHANNEL_START = relayLogChannel('')

/**
 * Tells a relay's log channel from any other channel.
 *
 * @param channel - A channel's name.
 * @returns The id of the relay whose log it is; `undefined` for another channel.
 */
export function relayOfLog(channel: string): string | undefined {
  if (!channel.startsWith(LOG_CHANNEL_START)) return undefined
  const id = channel.slice(LOG_CHANNEL_START.length)
  return id !== '' && relayLogChannel(id) === channel ? id : undefined
}
