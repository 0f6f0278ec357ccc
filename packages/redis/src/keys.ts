/**
 * The Redis keys of the backplane. A channel's keys are the prefix and its name in UTF-8,
 * plus two suffixed keys for its own-id index; a relay's record is the prefix, the byte
 * 0xFF (which never occurs in UTF-8, so no channel name makes such a key), `relay:` and the
 * relay's id.
 */

import { relayLogChannel } from '@ssekit/core'

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

const RELAY_MARK = Buffer.from([0xff, ...Buffer.from('relay:')])

/**
 * @param prefix - The backplane's key prefix.
 * @param id - The relay's id.
 * @returns The key of the relay's record.
 */
export function relayKey(prefix: string, id: string): Buffer {
  return Buffer.concat([Buffer.from(prefix), RELAY_MARK, Buffer.from(id)])
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
