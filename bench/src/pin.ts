import { execFileSync } from 'node:child_process'
import os from 'node:os'

/**
 * Where the benchmark's processes run, on machines with at least two cores and `taskset`:
 * servers on the last core, the client and the upstream on the others. Left to the scheduler,
 * a server and the client it measures may share a core in one run and not in the next.
 */
const cores = os.availableParallelism()

/** The server side's cores, as `taskset` lists them. */
export const SERVER_CPUS = String(cores - 1)

/** The load side's cores (client, upstream). */
export const LOAD_CPUS = cores > 2 ? `0-${cores - 2}` : '0'

let pinning = cores >= 2

/** Leaves every process to the scheduler (`--no-pin`). */
export function stopPinning(): void {
  pinning = false
}

/**
 * Binds a process and its threads to some cores; does nothing where that cannot be done.
 *
 * @param pid - The process.
 * @param cpus - Cores as `taskset` lists them (`1`, `0-2`).
 */
export function pin(pid: number | undefined, cpus: string): void {
  if (!pinning || pid === undefined) return
  try {
    execFileSync('taskset', ['-a', '-c', '-p', cpus, String(pid)], { stdio: 'ignore' })
  } catch {
    // No `taskset` (or not allowed): the scheduler places the process, as without pinning.
    pinning = false
  }
}
