import {
  interleave,
  ratios,
  startServers,
  stopServers,
  withServerCpu,
  type Bench,
  type Section,
} from '../bench.js'
import { CONTENDERS, STREAMERS } from '../contenders.js'
import { num, range, ratio } from '../format.js'
import { readChecked, type Parsed } from '../measure.js'
import type { Summary } from '../stats.js'
import { spread } from '../stats.js'

interface Run {
  readonly eventsPerSecond: number
  /** The relay server's CPU time per event relayed, in microseconds. */
  readonly cpuPerEvent: number
  readonly p50: number
  readonly p99: number
}

const RELAYERS = STREAMERS.filter((name) => name !== 'raw')

/**
 * Scenario 4: an upstream SSE server in its own process, relayed by each contender: ssekit
 * with `stream.request({ forward: true })`, the others with `fetch` + `eventsource-parser`
 * and their own write (raw: `res.write`). Throughput with the upstream sending as fast as it
 * can; latency with one event per millisecond, each stamped with its send time, minus the
 * latency of the client reading the upstream directly.
 */
export async function relay(bench: Bench): Promise<Section[]> {
  const { upstreamPort } = bench
  const servers = await startServers(bench, STREAMERS)
  const n = bench.check ? 500 : bench.quick ? 30_000 : 200_000
  const paced = bench.check ? 100 : bench.quick ? 300 : 1000
  const repeats = bench.check ? 1 : bench.quick ? 2 : 7
  try {
    bench.log(`relay: ${n} events, then ${paced} paced`)
    const read = (port: number, path: string, expect: number, who: string): Promise<Parsed> =>
      readChecked(bench, { port, path }, expect, `relay ${path}, ${who}`)
    const fast = `?n=${n}&size=48&interval=0`
    const slow = `?n=${paced}&size=48&interval=1`
    for (const server of servers) await read(server.port, `/relay${fast}`, n, server.name)
    const directRuns: Summary[] = []
    const results = await interleave(servers, repeats, async (server, round): Promise<Run> => {
      const { result: blast, cpuMicros } = await withServerCpu(server, () =>
        read(server.port, `/relay${fast}`, n, server.name)
      )
      const timed = await read(server.port, `/relay${slow}`, paced, server.name)
      if (server.name === 'raw') {
        // The client reading the upstream itself: the latency every relay adds to.
        directRuns[round] = (await read(upstreamPort, `/events${slow}`, paced, 'direct')).latency!
      }
      return {
        eventsPerSecond: (n / blast.micros) * 1e6,
        cpuPerEvent: cpuMicros / n,
        p50: timed.latency!.p50,
        p99: timed.latency!.p99,
      }
    })
    if (bench.check) return []
    const reference = results.get('raw')!.map((r) => r.eventsPerSecond)
    const referenceCpu = results.get('raw')!.map((r) => r.cpuPerEvent)
    const directP50 = directRuns.map((r) => r.p50)
    return [
      {
        title: '4. Proxy relay of an upstream SSE server',
        intro: `Throughput: ${num(n)} events of about 64 bytes sent by the upstream as fast as it can. Latency: ${paced} events, one per millisecond, from the upstream's write to the client's read; "added" is the relay's p50 minus the p50 of the client reading the upstream directly (${num(spread(directP50).median)} µs). Server CPU: the relaying server's own CPU time over the throughput run, per event: unlike events/s, it does not depend on how the upstream and the client share the other core. Medians of ${repeats} interleaved runs. The reference is a plain relay: \`fetch\` + \`eventsource-parser\` + \`res.write\`.`,
        header: [
          'Relay',
          'events/s',
          'ratio to plain relay',
          'server CPU µs/event',
          'CPU ratio to plain relay',
          'latency p50',
          'added p50',
          'latency p99',
        ],
        rows: servers.map(({ name }) => {
          const runs = results.get(name)!
          const eps = runs.map((r) => r.eventsPerSecond)
          const added = runs.map((r, i) => r.p50 - directP50[i]!)
          return [
            name === 'raw'
              ? 'plain relay: `fetch` + `eventsource-parser` + `res.write`'
              : (RELAY_LABEL[name] ?? CONTENDERS[name]),
            range(spread(eps)),
            ratio(ratios(eps, reference)),
            range(spread(runs.map((r) => r.cpuPerEvent))),
            ratio(
              ratios(
                runs.map((r) => r.cpuPerEvent),
                referenceCpu
              )
            ),
            range(spread(runs.map((r) => r.p50 / 1e3)), ' ms'),
            range(spread(added.map((a) => a / 1e3)), ' ms'),
            range(spread(runs.map((r) => r.p99 / 1e3)), ' ms'),
          ]
        }),
      },
    ]
  } finally {
    await stopServers(bench, servers)
  }
}

const RELAY_LABEL: Partial<Record<string, string>> = Object.fromEntries(
  RELAYERS.map((name) => [
    name,
    name.startsWith('ssekit')
      ? `${CONTENDERS[name]}: \`stream.request({ forward: true })\``
      : `${CONTENDERS[name]}: \`fetch\` + \`eventsource-parser\``,
  ])
)
