import { fileURLToPath } from 'node:url'
import type { ContenderName } from './contenders.js'
import { Child } from './ipc.js'
import { SERVER_CPUS } from './pin.js'
import { spread, type Spread } from './stats.js'

/** How much a run measures. */
export interface Plan {
  /** Smaller sizes and fewer repeats, for a run under two minutes. */
  readonly quick: boolean
  /** Check that every contender serves every scenario correctly; measure nothing. */
  readonly check: boolean
}

/** A server process and its port. */
export interface Server {
  readonly name: ContenderName
  readonly child: Child
  readonly port: number
}

/** A piece of the report: a titled table with notes. */
export interface Section {
  readonly title: string
  readonly intro: string
  readonly header: readonly string[]
  readonly rows: readonly (readonly string[])[]
  readonly notes?: readonly string[]
}

/** What every scenario gets from the orchestrator. */
export interface Bench extends Plan {
  /** A contender whose servers run under `--cpu-prof`, writing to `bench/profiles/`. */
  readonly profile: ContenderName | undefined
  readonly client: Child
  /** The relay scenario's upstream server. */
  readonly upstreamPort: number
  /** A failed correctness check; the run goes on and exits non-zero at the end. */
  fail(message: string): void
  /** Progress, on stderr. */
  log(message: string): void
}

const serverFile = fileURLToPath(new URL('./server.js', import.meta.url))

const profiles = fileURLToPath(new URL('../profiles/', import.meta.url))

/**
 * Starts one process per contender, all at once.
 *
 * @param bench - The run; its `profile` contender runs under `--cpu-prof`.
 * @param names - The contenders.
 * @param config - What the apps are built with (`redis`).
 * @returns The servers, listening.
 */
export async function startServers(
  bench: Bench,
  names: readonly ContenderName[],
  config: { redis?: string } = {}
): Promise<Server[]> {
  const appConfig = JSON.stringify({
    upstream: `http://127.0.0.1:${bench.upstreamPort}`,
    ...config,
  })
  return Promise.all(
    names.map(async (name) => {
      const profile = name === bench.profile ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []
      const child = new Child(name, serverFile, [name, appConfig], profile, SERVER_CPUS)
      return { name, child, port: await child.call<number>('port') }
    })
  )
}

/**
 * @param bench - The run.
 * @param servers - Servers to end; a profiled one exits by itself to write its profile.
 */
export async function stopServers(bench: Bench, servers: readonly Server[]): Promise<void> {
  await Promise.all(servers.map((server) => server.child.stop(server.name === bench.profile)))
}

/**
 * Runs `measure` for every server, round after round, reversing the order each round
 * (A B C, C B A, …) so that drift of the machine's speed cancels out of the medians.
 *
 * @param servers - The contenders' servers.
 * @param repeats - Rounds.
 * @param measure - One measurement of one server.
 * @returns Each server's measurements, by name, in round order.
 */
export async function interleave<T>(
  servers: readonly Server[],
  repeats: number,
  measure: (server: Server, round: number) => Promise<T>
): Promise<Map<ContenderName, T[]>> {
  const results = new Map<ContenderName, T[]>(servers.map((s) => [s.name, []]))
  for (let round = 0; round < repeats; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse()
    for (const server of order) results.get(server.name)!.push(await measure(server, round))
  }
  return results
}

/**
 * Each round's value divided by the reference's value of the same round, as a spread.
 *
 * @param values - A contender's values, in round order.
 * @param reference - The reference's values, in round order.
 * @returns The spread of the per-round ratios.
 */
export function ratios(values: readonly number[], reference: readonly number[]): Spread {
  return spread(values.map((value, i) => value / reference[i]!))
}

/** Waits until a server has no open connection left (the client closed them). */
export async function drainedServer(server: Server): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await server.child.call<number>('connections')) === 0) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Runs a measurement and the server's own CPU time during it, from its `process.cpuUsage()`.
 *
 * @param server - The server whose time counts.
 * @param work - The measurement.
 * @returns What the measurement returned, and the server's CPU time in microseconds.
 */
export async function withServerCpu<T>(
  server: Server,
  work: () => Promise<T>
): Promise<{ result: T; cpuMicros: number }> {
  const before = await server.child.call<{ cpu: NodeJS.CpuUsage }>('usage')
  const result = await work()
  const after = await server.child.call<{ cpu: NodeJS.CpuUsage }>('usage')
  const cpuMicros = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system
  return { result, cpuMicros }
}
