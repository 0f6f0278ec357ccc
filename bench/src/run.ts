import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Bench, Section } from './bench.js'
import type { ContenderName } from './contenders.js'
import { Child } from './ipc.js'
import { LOAD_CPUS, stopPinning } from './pin.js'
import { report } from './report.js'
import { broadcast } from './scenarios/broadcast.js'
import { diagnostics } from './scenarios/diagnostics.js'
import { durable } from './scenarios/durable.js'
import { idle } from './scenarios/idle.js'
import { relay } from './scenarios/relay.js'
import { rush } from './scenarios/rush.js'
import { slow } from './scenarios/slow.js'
import { storm } from './scenarios/storm.js'
import { throughput } from './scenarios/throughput.js'

/*
 * `pnpm bench`: every scenario, full size (about 12 minutes), results in bench/results/.
 * `--quick`: smaller and fewer runs (under 2 minutes), printed only.
 * `--check`: tiny runs that check every contender serves every scenario correctly.
 * `--only=a,b`: only these scenarios (throughput, idle, slow, relay, broadcast, durable, storm,
 *   rush, diagnostics).
 * `--profile=name`: run that contender's servers under `--cpu-prof`, into bench/profiles/.
 * `--no-pin`: leave processes to the scheduler (by default servers run on the last core, the
 *   client and the upstream on the others; see pin.ts).
 */
const args = process.argv.slice(2)
const check = args.includes('--check')
const quick = check || args.includes('--quick')
const option = (name: string): string | undefined =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)
const only = option('only')?.split(',')
const profile = option('profile') as ContenderName | undefined

const scenarios = { throughput, idle, slow, relay, broadcast, durable, storm, rush, diagnostics }
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

const started = new Date()
const loadBefore = os.loadavg()
if (args.includes('--no-pin')) stopPinning()
const client = new Child('client', here('./client.js'), [], [], LOAD_CPUS)
const upstream = new Child('upstream', here('./upstream.js'), [], [], LOAD_CPUS)
const failures: string[] = []
const bench: Bench = {
  quick,
  check,
  profile,
  client,
  upstreamPort: await upstream.call<number>('port'),
  fail: (message) => {
    failures.push(message)
    console.error(`FAIL ${message}`)
  },
  log: (message) => {
    console.error(`… ${message}`)
  },
}

const sections: Section[] = []
try {
  for (const [name, scenario] of Object.entries(scenarios)) {
    if (only !== undefined && !only.includes(name)) continue
    sections.push(...(await scenario(bench)))
  }
} finally {
  await Promise.all([client.stop(), upstream.stop()])
}

const seconds = (Date.now() - started.getTime()) / 1000
if (check) {
  console.log(
    failures.length === 0
      ? `bench check: every contender served every scenario correctly (${seconds.toFixed(0)} s)`
      : `bench check: ${failures.length} failure(s)`
  )
  process.exit(failures.length === 0 ? 0 : 1)
}

const markdown = report(
  { quick, check, started, seconds, loadBefore, loadAfter: os.loadavg(), only },
  sections
)
console.log(markdown)
if (!quick && only === undefined) {
  const dir = here('../results/')
  mkdirSync(dir, { recursive: true })
  const stamp = started.toISOString().slice(0, 16).replace(/[T:]/g, '-')
  writeFileSync(`${dir}${stamp}.md`, markdown)
  writeFileSync(`${dir}latest.md`, markdown)
  console.error(`… written to bench/results/${stamp}.md and bench/results/latest.md`)
}
if (failures.length > 0) process.exit(1)
