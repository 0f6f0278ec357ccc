import {
  interleave,
  ratios,
  startServers,
  stopServers,
  withServerCpu,
  type Bench,
  type Section,
} from '../bench.js'
import { CONTENDERS, THROUGHPUT } from '../contenders.js'
import { num, range, ratio } from '../format.js'
import { spread } from '../stats.js'

interface Counted {
  readonly status: number
  readonly frames: number
  readonly micros: number
  readonly clientCpu: number
}

interface Parsed {
  readonly status: number
  readonly contentType: string
  readonly events: number
  readonly sequential: boolean
  readonly sizes: number[]
}

interface Run {
  readonly eventsPerSecond: number
  readonly cpuPerEvent: number
  readonly clientBusy: number
}

const SIZES = [64, 1024]

/** Events per run by event size: runs long enough that scheduling noise stays small. */
const EVENTS: Record<'check' | 'quick' | 'full', Record<number, number>> = {
  check: { 64: 2000, 1024: 2000 },
  quick: { 64: 100_000, 1024: 40_000 },
  full: { 64: 500_000, 1024: 150_000 },
}

/**
 * Scenario 1: one connection, N events sent as fast as backpressure allows. Events per second
 * from the first body byte to the end, as the client sees them; server CPU per event from the
 * server's own `process.cpuUsage()`.
 */
export async function throughput(bench: Bench): Promise<Section[]> {
  const { client } = bench
  const servers = await startServers(bench, THROUGHPUT)
  const sections: Section[] = []
  try {
    for (const size of SIZES) {
      const n = EVENTS[bench.check ? 'check' : bench.quick ? 'quick' : 'full'][size]!
      const path = `/stream?n=${n}&size=${size}`
      if (bench.check) {
        for (const server of servers) {
          const got = await client.call<Parsed>('read', { port: server.port, path })
          const ok =
            got.status === 200 &&
            got.contentType.startsWith('text/event-stream') &&
            got.events === n &&
            got.sequential &&
            got.sizes.length === 1 &&
            got.sizes[0] === size
          if (!ok) bench.fail(`throughput ${size} B, ${server.name}: ${JSON.stringify(got)}`)
        }
        continue
      }
      bench.log(`throughput: ${n} events of ${size} B`)
      // Warm up each server's JIT on a shorter stream.
      for (const server of servers) {
        await client.call('throughput', {
          port: server.port,
          path: `/stream?n=${n >> 2}&size=${size}`,
        })
      }
      const results = await interleave(
        servers,
        bench.quick ? 2 : 5,
        async (server): Promise<Run> => {
          const { result: got, cpuMicros: cpu } = await withServerCpu(server, () =>
            client.call<Counted>('throughput', { port: server.port, path })
          )
          if (got.status !== 200 || got.frames < n) {
            throw new Error(
              `${server.name} sent ${got.frames} frames of ${n} (status ${got.status})`
            )
          }
          return {
            eventsPerSecond: (n / got.micros) * 1e6,
            cpuPerEvent: cpu / n,
            clientBusy: got.clientCpu / got.micros,
          }
        }
      )
      const reference = results.get('raw')!.map((r) => r.eventsPerSecond)
      const ceiling = results.get('ceiling')!.map((r) => r.eventsPerSecond)
      const referenceCpu = results.get('raw')!.map((r) => r.cpuPerEvent)
      const busiest = Math.max(...[...results.values()].flat().map((r) => r.clientBusy))
      sections.push({
        title: `1. Throughput, one connection, ${size === 64 ? '64 B' : '1 KiB'} events`,
        intro: `${num(n)} events with ${size} bytes of data each, sent as fast as backpressure allows; medians of ${bench.quick ? 2 : 5} interleaved runs (range in brackets).`,
        header: [
          'Contender',
          'events/s',
          'ratio to raw',
          'ratio to ceiling',
          'server CPU µs/event',
          'CPU ratio to raw',
        ],
        rows: servers.map(({ name }) => {
          const runs = results.get(name)!
          const eps = runs.map((r) => r.eventsPerSecond)
          const cpu = runs.map((r) => r.cpuPerEvent)
          return [
            CONTENDERS[name],
            range(spread(eps)),
            ratio(ratios(eps, reference)),
            ratio(ratios(eps, ceiling)),
            range(spread(cpu)),
            ratio(ratios(cpu, referenceCpu)),
          ]
        }),
        notes: [
          busiest > 0.9
            ? `The client was busy ${(busiest * 100).toFixed(0)}% of the busiest run: it may have limited that run.`
            : `The client was busy at most ${(busiest * 100).toFixed(0)}% of any run: it was not the bottleneck.`,
        ],
      })
    }
  } finally {
    await stopServers(bench, servers)
  }
  return sections
}
