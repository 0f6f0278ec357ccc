import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, listening } from '../redis.js'

/** Redis for the scale scenario: one server or a cluster, stopped by `stop`. */
export interface RedisDeployment {
  /** What the backplanes connect to: one URL, or the cluster's nodes. */
  readonly target: RedisTarget
  stop(): Promise<void>
}

/** One server's URL, or the URLs of a cluster's nodes. */
export type RedisTarget = { readonly url: string } | { readonly cluster: readonly string[] }

/**
 * Runs `redis-server` under a shell that kills it once its standard input closes: when the
 * benchmark stops it, and when the benchmark's process dies whatever the cause, so that no
 * server outlives a run.
 */
const WATCHDOG =
  'redis-server "$@" & pid=$!; cat >/dev/null; { kill -9 $pid; wait $pid; } 2>/dev/null'

interface Node {
  readonly port: number
  readonly child: ChildProcess
}

/**
 * @param dir - The server's working directory.
 * @param extra - Further arguments, given the server's port.
 */
async function launch(dir: string, extra: (port: number) => string[]): Promise<Node> {
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  const child = spawn('sh', ['-c', WATCHDOG, 'sh', ...args, '--dir', dir, ...extra(port)], {
    stdio: ['pipe', 'ignore', 'inherit'],
  })
  const deadline = Date.now() + 10_000
  while (!(await listening(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stopNode({ port, child })
      throw new Error('redis-server did not start')
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return { port, child }
}

async function stopNode({ child }: Node): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.stdin?.end()
  await exited
}

function deployment(dir: string, nodes: readonly Node[], target: RedisTarget): RedisDeployment {
  return {
    target,
    stop: async () => {
      await Promise.all(nodes.map(stopNode))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** @returns One `redis-server` on a free port, persisting nothing. */
export async function startRedisServer(): Promise<RedisDeployment> {
  const dir = mkdtempSync(join(tmpdir(), 'ssekit-scale-redis-'))
  const node = await launch(dir, () => [])
  return deployment(dir, [node], { url: `redis://127.0.0.1:${node.port}` })
}

function cli(port: number, ...args: string[]): string {
  const result = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${result.stderr}`)
  return result.stdout
}

/**
 * @param masters - Nodes, each a master of its share of the slots; no replicas.
 * @returns A local Redis Cluster, healthy, persisting nothing.
 */
export async function startRedisCluster(masters = 3): Promise<RedisDeployment> {
  const dir = mkdtempSync(join(tmpdir(), 'ssekit-scale-cluster-'))
  const nodes: Node[] = []
  try {
    for (let i = 0; i < masters; i++) {
      const bus = String(await freePort())
      nodes.push(
        await launch(dir, (port) => [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-port',
          bus,
        ])
      )
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
    cli(
      nodes[0]!.port,
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      '0',
      '--cluster-yes'
    )
    const deadline = Date.now() + 20_000
    while (!nodes.every((node) => cli(node.port, 'CLUSTER', 'INFO').includes('cluster_state:ok'))) {
      if (Date.now() > deadline) throw new Error('the Redis cluster did not become healthy')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } catch (error) {
    await Promise.all(nodes.map(stopNode))
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return deployment(dir, nodes, { cluster: nodes.map((node) => `redis://127.0.0.1:${node.port}`) })
}
