import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { hasRedis } from '../redis.js'
import { measureScale, type ScalePlan, type ScaleResult } from './measure.js'
import { startRedisCluster, startRedisServer, type RedisDeployment } from './redis-nodes.js'
import { scaleReport } from './report.js'

/*
 * `pnpm --filter @ssekit/bench scale`: 100,000 streams held 2 minutes, ssekit against raw
 * `node:http`, then the broadcast on one Redis server against a Redis Cluster.
 * `--quick`: 10,000 streams held 15 s, 5,000 for the cluster part.
 * `--streams=N`, `--hold=S` (seconds), `--broadcasts=N`, `--cluster-streams=N`: other sizes.
 * `--only=raw,express,ssekit,cluster`: some parts only (`express`: Express alone with a
 *   hand-written stream, what Express itself costs).
 * `--profile`: the servers run under `node --cpu-prof` (bench/profiles/).
 */
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const option = (name: string, fallback: number): number => {
  const value = args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)
  if (value === undefined) return fallback
  const number = Number(value)
  if (!Number.isInteger(number) || number < 0) throw new TypeError(`--${name} must be a count`)
  return number
}
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice(7)
  .split(',')
const runs = (part: string): boolean => only === undefined || only.includes(part)

const holdSeconds = option('hold', quick ? 15 : 120)
const plan: ScalePlan = {
  streams: option('streams', quick ? 10_000 : 100_000),
  holdSeconds,
  // Two heartbeat intervals (15 s), or one in a quick run: every stream beats as often.
  idleSeconds: Math.min(holdSeconds, quick ? 15 : 30),
  broadcasts: option('broadcasts', 10),
  profile: args.includes('--profile'),
}
const clusterPlan: ScalePlan = {
  streams: option('cluster-streams', quick ? 5000 : 20_000),
  holdSeconds: 0,
  idleSeconds: 0,
  broadcasts: plan.broadcasts,
}

const log = (message: string): void => {
  console.error(`… ${message}`)
}

// Whatever happens, the run ends: its server and client processes exit when it does, and the
// Redis servers are killed when their watchdog's input closes.
// Each contender gets its hold and 5 minutes to open and measure; the cluster part 10 minutes.
const parts = ['raw', 'express', 'ssekit'].filter(runs)
const budgetSeconds = parts.length * (plan.holdSeconds + 300) + (runs('cluster') ? 600 : 0)
setTimeout(() => {
  console.error(`scale: over ${budgetSeconds} s, stopping`)
  process.exit(1)
}, budgetSeconds * 1000).unref()
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(1))

if (!hasRedis()) throw new Error('the scale benchmark needs redis-server and redis-cli')

async function withRedis<T>(
  start: () => Promise<RedisDeployment>,
  measure: (redis: RedisDeployment) => Promise<T>
): Promise<T> {
  const redis = await start()
  try {
    return await measure(redis)
  } finally {
    await redis.stop()
  }
}

const started = new Date()
const loadBefore = os.loadavg()
const results = new Map<string, ScaleResult>()
for (const contender of ['raw', 'express', 'ssekit'] as const) {
  if (!runs(contender)) continue
  results.set(
    contender,
    await withRedis(startRedisServer, (redis) => measureScale(contender, redis.target, plan, log))
  )
}
if (runs('cluster')) {
  log('cluster: one Redis server')
  results.set(
    'one server',
    await withRedis(startRedisServer, (redis) =>
      measureScale('ssekit', redis.target, clusterPlan, log)
    )
  )
  log('cluster: a Redis Cluster of 3 masters')
  results.set(
    'cluster',
    await withRedis(startRedisCluster, (redis) =>
      measureScale('ssekit', redis.target, clusterPlan, log)
    )
  )
}

const markdown = scaleReport(
  {
    command: `pnpm --filter @ssekit/bench scale ${args.join(' ')}`.trim(),
    started,
    seconds: (Date.now() - started.getTime()) / 1000,
    loadBefore,
    loadAfter: os.loadavg(),
  },
  plan,
  clusterPlan,
  results
)
console.log(markdown)
if (!quick) {
  const dir = fileURLToPath(new URL('../../results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  const stamp = started.toISOString().slice(0, 16).replace(/[T:]/g, '-')
  writeFileSync(`${dir}scale-${stamp}.md`, markdown)
  console.error(`… written to bench/results/scale-${stamp}.md`)
}
process.exit(0)
