import { fileURLToPath } from 'node:url'
import { Child } from '../ipc.js'
import { median, summarize } from '../stats.js'
import type { RedisTarget } from './redis-nodes.js'
import type { ScaleContender } from './server.js'

/** Streams one process holds at most, servers and clients alike (20,000 open files each). */
const PER_PROCESS = 18_000

/** How much one measurement does. */
export interface ScalePlan {
  readonly streams: number
  /** Seconds the streams stay open and idle before the broadcasts. */
  readonly holdSeconds: number
  /** Seconds, from the start of the hold, over which the servers' idle CPU is measured. */
  readonly idleSeconds: number
  /** Broadcasts measured, after one that warms up. */
  readonly broadcasts: number
  /** Run the servers under `node --cpu-prof`, writing to `bench/profiles/`. */
  readonly profile?: boolean
}

/** What one contender measured. */
export interface ScaleResult {
  readonly servers: number
  /** Streams whose head arrived. */
  readonly opened: number
  /** Until every stream's head arrived, in ms. */
  readonly connectMs: number
  /** Server memory per stream after a full collection, summed over the servers, in bytes. */
  readonly rssPerStream: number
  readonly heapPerStream: number
  /** The servers' CPU over the idle window, summed, in cores (1 = one core busy). */
  readonly idleCores: number
  /** Streams that ended during the hold. */
  readonly lost: number
  /** Delivery of each stream's event, µs: median and 99th percentile over every delivery. */
  readonly p50: number
  readonly p99: number
  /** Delivery to the last stream of each broadcast, µs: median and worst. */
  readonly last: number
  readonly lastWorst: number
  /** Deliveries that did not arrive within the timeout. */
  readonly missing: number
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))
const profiles = fileURLToPath(new URL('../../profiles/', import.meta.url))
const sleep = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Starts the servers and the clients, opens every stream, measures, and stops them all,
 * whether it succeeded or not.
 *
 * @param contender - The app the servers run.
 * @param target - The Redis they fan out through.
 * @param plan - The sizes.
 * @param log - Progress.
 * @returns The figures.
 */
export async function measureScale(
  contender: ScaleContender,
  target: RedisTarget,
  plan: ScalePlan,
  log: (message: string) => void
): Promise<ScaleResult> {
  const count = Math.max(2, Math.ceil(plan.streams / PER_PROCESS))
  const children: Child[] = []
  let servers: Child[] = []
  try {
    servers = Array.from({ length: count }, (_, i) => {
      const child = new Child(
        `${contender} server ${i}`,
        here('./server.js'),
        [contender, JSON.stringify(target)],
        plan.profile === true ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []
      )
      children.push(child)
      return child
    })
    const clients = Array.from({ length: count }, (_, i) => {
      const child = new Child(`client ${i}`, here('./client.js'), [])
      children.push(child)
      return child
    })
    const ports = await Promise.all(servers.map((server) => server.call<number>('port')))
    const before = await Promise.all(servers.map((server) => server.call<Memory>('memory')))

    log(`${contender}: opening ${plan.streams} streams over ${count} servers`)
    const started = performance.now()
    const opened = await Promise.all(
      clients.map((client, i) =>
        client.call<number>('open', {
          port: ports[i],
          count: Math.floor(plan.streams / count) + (i < plan.streams % count ? 1 : 0),
          localAddress: `127.0.0.${i + 2}`,
        })
      )
    )
    const connectMs = performance.now() - started
    // Let the servers finish subscribing the streams whose head went out.
    await sleep(1000)
    const after = await Promise.all(servers.map((server) => server.call<Memory>('memory')))
    const total = opened.reduce((sum, n) => sum + n, 0)
    const perStream = (key: keyof Memory): number =>
      after.reduce((sum, m, i) => sum + m[key] - before[i]![key], 0) / total

    log(`${contender}: holding ${plan.holdSeconds} s`)
    const cpu = (): Promise<number[]> => Promise.all(servers.map((s) => s.call<number>('cpu')))
    const cpuBefore = await cpu()
    const idleStart = performance.now()
    await sleep(plan.idleSeconds * 1000)
    const cpuAfter = await cpu()
    const idleCores =
      cpuAfter.reduce((sum, c, i) => sum + c - cpuBefore[i]!, 0) /
      ((performance.now() - idleStart) * 1000)
    await sleep(Math.max(0, plan.holdSeconds - plan.idleSeconds) * 1000)
    const statuses = await Promise.all(
      clients.map((client) => client.call<{ open: number; lost: number }>('status'))
    )
    const lost = statuses.reduce((sum, s) => sum + s.lost, 0)

    log(`${contender}: ${plan.broadcasts} broadcasts`)
    const all: number[] = []
    const last: number[] = []
    let missing = 0
    for (let index = 0; index <= plan.broadcasts; index++) {
      const [, ...got] = await Promise.all([
        servers[0]!.call('broadcast', { index }),
        ...clients.map((client) =>
          client.call<number[]>('delivered', { index, timeoutMs: 30_000 })
        ),
      ])
      const latencies = got.flat()
      if (index === 0) continue
      missing += total - latencies.length
      // Loops, not spreads: a spread of 100,000 arguments can overflow the stack.
      let worst = -Infinity
      for (const latency of latencies) {
        all.push(latency)
        if (latency > worst) worst = latency
      }
      if (latencies.length > 0) last.push(worst)
    }
    const summary = summarize(all)
    return {
      servers: count,
      opened: total,
      connectMs,
      rssPerStream: perStream('rss'),
      heapPerStream: perStream('heap'),
      idleCores,
      lost,
      p50: summary.p50,
      p99: summary.p99,
      last: median(last),
      lastWorst: last.length === 0 ? NaN : last.reduce((worst, l) => Math.max(worst, l)),
      missing,
    }
  } finally {
    // A profiled server exits by itself, to write its profile.
    await Promise.all(
      children.map((child) => child.stop(plan.profile === true && servers.includes(child)))
    )
  }
}

interface Memory {
  readonly rss: number
  readonly heap: number
}
