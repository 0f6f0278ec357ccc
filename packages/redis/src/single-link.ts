import { createClient, type RedisClientOptions } from '@redis/client'
import type { LinkEvents, RedisLink } from './link.js'

/**
 * Connects to one Redis server with two connections, one for commands and one in pub/sub mode
 * (which can run no other command). node-redis subscribes a reconnected connection to its
 * channels again before it reports `ready`, so the link says when pub/sub is back.
 *
 * @param options - node-redis `createClient` options.
 * @param timeout - Milliseconds a timed command may wait.
 * @param events - Receives what happens to the connections.
 * @returns The link.
 */
export function serverLink(
  options: RedisClientOptions,
  timeout: number,
  events: LinkEvents
): RedisLink {
  const commands = createClient(options)
  const subscriber = commands.duplicate()
  const onReady = (): void => {
    events.up()
    if (commands.isReady && subscriber.isReady) events.restored()
  }
  for (const client of [commands, subscriber]) {
    client.on('error', events.error)
    client.on('ready', onReady)
  }
  // A lost pub/sub connection loses messages until it is back.
  subscriber.on('reconnecting', events.lost)
  return {
    commands,
    timed: commands.withCommandOptions({ timeout }),
    publishCommand: 'PUBLISH',
    probe: undefined,
    subscribe: (channel, listener) => subscriber.subscribe(channel, listener),
    unsubscribe: (channel, listener) => subscriber.unsubscribe(channel, listener),
    connect: () => Promise.all([commands.connect(), subscriber.connect()]),
    destroy: () => {
      for (const client of [subscriber, commands]) {
        client.off('ready', onReady)
        client.destroy()
      }
    },
  }
}
