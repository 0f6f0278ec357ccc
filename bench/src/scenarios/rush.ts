import {
  drainedServer,
  interleave,
  ratios,
  startServers,
  stopServers,
  type Bench,
  type Section,
} from '../bench.js'
import { CONTENDERS, type ContenderName } from '../contenders.js'
import { kb, num, range, ratio } from '../format.js'
import type { Rush } from '../rush-client.js'
import { spread } from '../stats.js'

/** Each framework alone, then its adapter, read against it; raw and core first. */
const PAIRS: readonly (readonly [alone: ContenderName, adapter: ContenderName])[] = [
  ['raw', 'ssekit-core'],
  ['express', 'ssekit-express'],
  ['koa', 'ssekit-koa'],
  ['hono', 'ssekit-hono'],
  ['fastify', 'ssekit-fastify'],
]

interface Round extends Rush {
  /** Server heap and RSS per connected stream, after a full collection, minus before. */
  readonly heap: number
  readonly rss: number
}

/**
 * Scenario 8: a connection storm. N clients connect to one server process in the same
 * instant (one client process, every connect call in one turn); time until all have their
 * stream's head, connections refused, and server memory per stream once they are all idle,
 * against raw `node:http` and each framework with its own hand-written stream.
 */
export async function rush(bench: Bench): Promise<Section[]> {
  const names = PAIRS.flat()
  const servers = await startServers(bench, names)
  const count = bench.check ? 50 : bench.quick ? 5000 : 15_000
  const repeats = bench.check || bench.quick ? 1 : 2
  let results: Map<ContenderName, Round[]>
  try {
    bench.log(`rush: ${count} clients at once`)
    results = await interleave(servers, repeats, async (server) => {
      await server.child.call('settled')
      const before = await server.child.call<NodeJS.MemoryUsage>('memory')
      const rush = await bench.client.call<Rush>('rushOpen', {
        port: server.port,
        path: '/idle',
        count,
      })
      const after = await server.child.call<NodeJS.MemoryUsage>('memory')
      await bench.client.call('rushClose')
      await drainedServer(server)
      if (rush.connected !== count) {
        bench.fail(`rush, ${server.name}: ${rush.connected} of ${count} connected`)
      }
      return {
        ...rush,
        heap: (after.heapUsed - before.heapUsed) / rush.connected,
        rss: (after.rss - before.rss) / rush.connected,
      }
    })
  } finally {
    await stopServers(bench, servers)
  }
  if (bench.check) return []
  const of = (name: ContenderName, pick: (round: Round) => number): number[] =>
    results.get(name)!.map(pick)
  const rate = (round: Round): number => round.connected / round.allMs
  const rows = names.map((name) => {
    const alone = PAIRS.find(([, adapter]) => adapter === name)?.[0]
    const rounds = results.get(name)!
    return [
      CONTENDERS[name],
      `${Math.min(...rounds.map((r) => r.connected))} / ${Math.max(...rounds.map((r) => r.refused))}`,
      range(spread(of(name, (r) => r.allMs / 1000)), ' s'),
      ratio(ratios(of(name, rate), of('raw', rate))),
      `${num(spread(of(name, (r) => r.p50Ms)).median)} / ${num(spread(of(name, (r) => r.p99Ms)).median)} ms`,
      kb(spread(of(name, (r) => r.heap)).median),
      kb(spread(of(name, (r) => r.rss)).median),
      alone === undefined
        ? ''
        : ratio(
            ratios(
              of(name, (r) => r.heap),
              of(alone, (r) => r.heap)
            )
          ),
      alone === undefined
        ? ''
        : ratio(
            ratios(
              of(name, (r) => r.rss),
              of(alone, (r) => r.rss)
            )
          ),
    ]
  })
  return [
    {
      title: `8. Connection storm: ${count.toLocaleString('en')} clients at once`,
      intro: `${count.toLocaleString('en')} clients open a stream of one server process in the same instant (every connect call in one turn of the client's event loop, far past the listen backlog of 2,048). Time until every client has its stream's head, connect rate against raw, the head's latency, and server memory per stream once all are open and idle (after a full collection, minus before); medians of ${repeats} interleaved round(s).`,
      header: [
        'Contender',
        'connected / refused (worst)',
        'all connected after',
        'connect rate ratio to raw',
        'head p50 / p99',
        'heap per stream',
        'RSS per stream',
        'heap ratio to its framework alone',
        'RSS ratio to its framework alone',
      ],
      rows,
      notes: [
        'Connections past the backlog wait for the kernel to retry them (SYN cookies, retransmitted handshakes): the slowest heads measure the kernel as much as the server, the same for every contender.',
      ],
    },
  ]
}
