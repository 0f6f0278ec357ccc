import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { infoField, pollUntil, redisCli, replicated } from './redis-cli.js'
import { freePort, kill, launchRedis } from './redis-server.js'

/** A local Redis Cluster of the test's own: three masters, one replica each, on 127.0.0.1. */
export interface LocalCluster {
  /** Every node's port. */
  readonly ports: readonly number[]
  /** @returns The port of the master that serves the key's slot now. */
  masterOf: (key: string) => Promise<number>
  /** Waits until the master at `port` replicated everything to its replica. */
  synced: (port: number) => Promise<void>
  /** Kills a node outright (SIGKILL), as a crash would. */
  kill: (port: number) => Promise<void>
  /**
   * Waits until the cluster promoted a replica in place of the master at `port` (killed) for
   * the key's slot, and is healthy again.
   *
   * @returns The new master's port.
   */
  failedOver: (port: number, key: string) => Promise<number>
  /** Stops every node and removes their files. */
  stop: () => Promise<void>
}

/** A node as `CLUSTER NODES` lists it. */
interface NodeLine {
  readonly port: number
  readonly flags: readonly string[]
  readonly slots: readonly (readonly [number, number])[]
}

/** Milliseconds without an answer after which the cluster deems a node failed. */
const NODE_TIMEOUT_MS = 1000

function parseNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [, address, flags, , , , , , ...slots] = line.trim().split(' ')
      return {
        port: Number(/:(\d+)@/.exec(address ?? '')?.[1]),
        flags: (flags ?? '').split(','),
        slots: slots
          .filter((slot) => /^\d+(-\d+)?$/.test(slot))
          .map((slot) => {
            const [from, to] = slot.split('-').map(Number) as [number, number?]
            return [from, to ?? from] as const
          }),
      }
    })
}

async function ownerOf(port: number, slot: number): Promise<NodeLine | undefined> {
  const nodes = parseNodes(await redisCli(port, 'CLUSTER', 'NODES'))
  return nodes.find(
    (node) =>
      node.flags.includes('master') &&
      !node.flags.includes('fail') &&
      node.slots.some(([from, to]) => from <= slot && slot <= to)
  )
}

async function healthy(port: number): Promise<boolean> {
  return infoField(await redisCli(port, 'CLUSTER', 'INFO'), 'cluster_state') === 'ok'
}

async function startCluster(): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ssekit-cluster-'))
  const ports: number[] = []
  const processes = new Map<number, ChildProcess>()
  try {
    for (let i = 0; i < 6; i++) {
      const port = await freePort()
      const bus = await freePort()
      ports.push(port)
      const child = await launchRedis(port, dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        String(NODE_TIMEOUT_MS),
        '--cluster-port',
        String(bus),
      ])
      processes.set(port, child)
    }
    await createCluster(ports)
    for (const port of ports) await pollUntil(() => healthy(port), 20_000, 'the cluster')
    // Every master has its replica online.
    for (const port of ports) {
      await pollUntil(
        async () => {
          const info = await redisCli(port, 'INFO', 'replication')
          return infoField(info, 'role') === 'master'
            ? infoField(info, 'connected_slaves') === '1'
            : infoField(info, 'master_link_status') === 'up'
        },
        20_000,
        'the replicas'
      )
    }
  } catch (error) {
    for (const child of processes.values()) await kill(child)
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const alive = (): number => ports.find((port) => processes.get(port)?.exitCode === null)!
  return {
    ports,
    masterOf: async (key) => {
      const slot = Number(await redisCli(alive(), 'CLUSTER', 'KEYSLOT', key))
      const owner = await ownerOf(alive(), slot)
      if (owner === undefined) throw new Error(`No master serves slot ${slot}.`)
      return owner.port
    },
    synced: replicated,
    kill: async (port) => {
      await kill(processes.get(port))
    },
    failedOver: async (port, key) => {
      const survivor = ports.find(
        (other) => other !== port && processes.get(other)?.exitCode === null
      )!
      const slot = Number(await redisCli(survivor, 'CLUSTER', 'KEYSLOT', key))
      return pollUntil(
        async () => {
          const node = await ownerOf(survivor, slot)
          if (node === undefined || node.port === port || !(await healthy(survivor))) return
          return node.port
        },
        30_000,
        'a replica to take over'
      )
    },
    stop: async () => {
      for (const child of processes.values()) await kill(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function createCluster(ports: readonly number[]): Promise<string> {
  const [first] = ports as [number]
  return redisCli(
    first,
    '--cluster',
    'create',
    ...ports.map((port) => `127.0.0.1:${port}`),
    '--cluster-replicas',
    '1',
    '--cluster-yes'
  )
}

/**
 * Starts a local cluster before the file's tests and stops it after them; call at the top
 * level of a test file.
 *
 * @returns The cluster, once started.
 */
export function useRedisCluster(): () => LocalCluster {
  let cluster: LocalCluster | undefined
  beforeAll(async () => {
    cluster = await startCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
  })
  return () => {
    if (cluster === undefined) throw new Error('The Redis cluster is not started yet.')
    return cluster
  }
}
