import { createSentinel, type RedisSentinelOptions } from '@redis/client'
import { PROBE, type LinkEvents, type RedisLink } from './link.js'

/**
 * Connects to the master of servers managed by Redis Sentinel, and to the new master after a
 * failover. node-redis moves the pub/sub subscriptions there without saying when they are in
 * place, so the link has no `restored` event: channels probe their subscription instead, after
 * every change of topology and every connection error.
 *
 * @param options - node-redis `createSentinel` options.
 * @param timeout - Milliseconds a timed command may wait.
 * @param events - Receives what happens to the connections.
 * @returns The link.
 */
export function sentinelLink(
  options: RedisSentinelOptions,
  timeout: number,
  events: LinkEvents
): RedisLink {
  const sentinel = createSentinel(options)
  const failed = (error: unknown): void => {
    events.error(error)
    events.lost()
  }
  sentinel.on('error', failed)
  sentinel.on('client-error', (event: { error?: unknown }) => failed(event.error))
  sentinel.on('topology-change', events.lost)
  sentinel.on('ready', events.up)
  const timed = sentinel.withCommandOptions({ timeout })
  return {
    commands: sentinel,
    timed,
    publishCommand: 'PUBLISH',
    probe: (channel) => timed.publish(channel, PROBE),
    subscribe: (channel, listener) => sentinel.subscribe(channel, listener),
    // Typed for buffers too; the listener was subscribed for strings.
    unsubscribe: (channel, listener) =>
      sentinel.unsubscribe(channel, listener as (message: string | Buffer) => void),
    connect: () => sentinel.connect(),
    destroy: () => {
      sentinel.destroy().catch(() => {
        // Closing: nothing is left to tell.
      })
    },
  }
}
