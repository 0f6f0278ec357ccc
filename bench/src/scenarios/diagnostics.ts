import {
  interleave,
  ratios,
  startServers,
  stopServers,
  type Bench,
  type Section,
} from '../bench.js'
import { CONTENDERS, OBSERVED } from '../contenders.js'
import { num, range, ratio } from '../format.js'
import { spread } from '../stats.js'

interface Counted {
  readonly status: number
  readonly frames: number
  readonly micros: number
}

interface Churned {
  readonly ok: number
  readonly micros: number
}

/** One measurement: a rate, per second. */
type Measure = (port: number) => Promise<number>

/**
 * Scenario 8: what subscribing to ssekit's diagnostics channels costs. ssekit core with no
 * subscriber (the reference), with one on `ssekit:stream:start`/`end`, and with those and the
 * `ssekit:upstream` tracing channel: events per second on one connection, short streams per
 * second (each starts, sends one event and ends, so each publishes twice), and relayed
 * upstream events per second (each relay is one traced upstream call).
 */
export async function diagnostics(bench: Bench): Promise<Section[]> {
  const { client } = bench
  const servers = await startServers(bench, OBSERVED)
  const size = bench.check ? 'check' : bench.quick ? 'quick' : 'full'
  const events = { check: 2000, quick: 100_000, full: 300_000 }[size]
  const streams = { check: 100, quick: 2000, full: 10_000 }[size]
  const relayed = { check: 500, quick: 30_000, full: 100_000 }[size]
  const repeats = bench.check ? 1 : bench.quick ? 2 : 5

  const counted =
    (path: string, n: number, what: string): Measure =>
    async (port) => {
      const got = await client.call<Counted>('throughput', { port, path })
      if (got.status !== 200 || got.frames < n) {
        bench.fail(`diagnostics ${what}: ${got.frames} frames of ${n} (status ${got.status})`)
      }
      return (n / got.micros) * 1e6
    }
  const measures: [string, Measure][] = [
    [
      `events/s, one connection, ${num(events)} events of 64 B`,
      counted(`/stream?n=${events}&size=64`, events, 'events'),
    ],
    [
      `streams/s, ${num(streams)} streams of one event, 8 at a time`,
      async (port) => {
        const got = await client.call<Churned>('churn', {
          port,
          path: '/stream?n=1&size=64',
          count: streams,
          concurrency: 8,
        })
        if (got.ok !== streams) bench.fail(`diagnostics streams: ${got.ok} of ${streams} ok`)
        return (streams / got.micros) * 1e6
      },
    ],
    [
      `relayed events/s, ${num(relayed)} events of one upstream call`,
      counted(`/relay?n=${relayed}&size=48&interval=0`, relayed, 'relay'),
    ],
  ]

  const rows: string[][] = []
  try {
    for (const [what, measure] of measures) {
      bench.log(`diagnostics: ${what}`)
      // Warm up each server's JIT once.
      for (const server of servers) await measure(server.port)
      const results = await interleave(servers, repeats, (server) => measure(server.port))
      if (bench.check) continue
      const reference = results.get('ssekit-core')!
      for (const server of servers) {
        const runs = results.get(server.name)!
        rows.push([
          what,
          CONTENDERS[server.name],
          range(spread(runs)),
          ratio(ratios(runs, reference)),
        ])
      }
    }
    // The subscribers must have seen the streams, or nothing was measured.
    for (const server of servers.slice(1)) {
      const seen = await server.child.call<number>('observed')
      if (seen === 0) bench.fail(`diagnostics: ${server.name}'s subscribers saw no message`)
    }
  } finally {
    await stopServers(bench, servers)
  }
  if (bench.check) return []
  return [
    {
      title: '9. Cost of diagnostics subscribers',
      intro: `ssekit core without a diagnostics subscriber, with one on the stream channels, and with those and the upstream tracing channel (each subscriber counts the messages); medians of ${repeats} interleaved runs (range in brackets), ratios to no subscriber taken within a round.`,
      header: ['Measure', 'Server', 'rate', 'ratio to no subscriber'],
      rows,
    },
  ]
}
