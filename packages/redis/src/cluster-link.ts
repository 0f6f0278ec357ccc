import { createCluster, type RedisClusterOptions } from '@redis/client'
import { PROBE, type LinkEvents, type RedisLink } from './link.js'

/** Where a cluster's node is, as node-redis reports it with the node's events. */
interface NodeInfo {
  readonly host?: string
  readonly port?: number
}

/**
 * Connects to a Redis Cluster: each command goes to the master of its key's slot, and
 * broadcasts travel by sharded pub/sub (`SSUBSCRIBE`, on the master of the channel's slot), so
 * each shard carries only its own channels' messages.
 *
 * node-redis moves subscriptions to the new master after a failover without saying when they
 * are in place, so the link has no `restored` event: channels probe their subscription instead.
 * Every node that starts failing makes channels hold their messages (once per node, until the
 * node is ready again).
 *
 * @param options - node-redis `createCluster` options.
 * @param timeout - Milliseconds a timed command may wait.
 * @param events - Receives what happens to the connections.
 * @returns The link.
 */
export function clusterLink(
  options: RedisClusterOptions,
  timeout: number,
  events: LinkEvents
): RedisLink {
  const cluster = createCluster(options)
  const failing = new Set<string>()
  const address = (node: NodeInfo | undefined): string => `${node?.host}:${node?.port}`
  const nodeFailing = (node: NodeInfo | undefined): void => {
    const where = address(node)
    if (failing.has(where)) return
    failing.add(where)
    events.lost()
  }
  cluster.on('error', (error: unknown) => {
    events.error(error)
    events.lost()
  })
  cluster.on('node-error', (error: unknown, node?: NodeInfo) => {
    events.error(error)
    nodeFailing(node)
  })
  cluster.on('node-reconnecting', nodeFailing)
  cluster.on('node-ready', (node: NodeInfo) => {
    failing.delete(address(node))
    events.up()
  })
  // node-redis's own event for moving subscriptions to other nodes (a node left the topology,
  // a slot moved); node errors cover failovers without it, this makes recovery start sooner.
  cluster.on('__resubscribeListeners', events.lost)
  cluster.on('sharded-channel-moved-error', (error: unknown) => {
    events.error(error)
    events.lost()
  })
  return {
    commands: cluster,
    timed: cluster.withCommandOptions({ timeout }),
    publishCommand: 'SPUBLISH',
    probe: (channel) => cluster.withCommandOptions({ timeout }).sPublish(channel, PROBE),
    subscribe: (channel, listener) => cluster.sSubscribe(channel, listener),
    unsubscribe: (channel, listener) => cluster.sUnsubscribe(channel, listener),
    connect: () => cluster.connect(),
    destroy: () => {
      cluster.destroy()
    },
  }
}
