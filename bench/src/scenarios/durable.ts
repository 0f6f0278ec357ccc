import { ratios, startServers, stopServers, type Bench, type Section } from '../bench.js'
import { kb, num, range, ratio } from '../format.js'
import { memoryPerConnection, readChecked, type Parsed, type PerConnection } from '../measure.js'
import { spread } from '../stats.js'

/** The two ways ssekit core relays an upstream, by route. */
const WAYS = {
  forward: '/relay',
  durable: '/durable',
} as const

type Way = keyof typeof WAYS

/** Milliseconds between two events of the upstream of an idle relay: none come while measured. */
const IDLE_INTERVAL = 600_000

/**
 * Scenario 6: durable relays on ssekit core. Throughput: the upstream's events, sent as fast as
 * it can, through a relay (`hub.start` + `hub.attach`, the log kept in process) to one client,
 * against `stream.request({ forward: true })` in the same server process, interleaved. Memory:
 * server heap and RSS per relay with 1,000 running at once, each with its upstream connection
 * and one attached client, against as many forwarded streams of idle upstreams.
 */
export async function durable(bench: Bench): Promise<Section[]> {
  const [server] = await startServers(bench, ['ssekit-core'])
  if (server === undefined) throw new Error('no ssekit-core server')
  const n = bench.check ? 500 : bench.quick ? 30_000 : 200_000
  const repeats = bench.check ? 1 : bench.quick ? 2 : 5
  const count = bench.check ? 50 : 1000
  try {
    bench.log(`durable relays: ${n} events; ${count} running relays`)
    const read = (way: Way): Promise<Parsed> => {
      const path = `${WAYS[way]}?n=${n}&size=48&interval=0`
      const firstId = way === 'durable' ? 1 : 0
      return readChecked(bench, { port: server.port, path, firstId }, n, `durable ${way}`)
    }
    // Warm-up of both paths.
    await read('forward')
    await read('durable')
    // Interleaved, in alternating order, so that drift of the machine cancels out.
    const throughput: Record<Way, number[]> = { forward: [], durable: [] }
    for (let round = 0; round < repeats; round++) {
      const order: Way[] = round % 2 === 0 ? ['forward', 'durable'] : ['durable', 'forward']
      for (const way of order) throughput[way].push((n / (await read(way)).micros) * 1e6)
    }

    // Each baseline is read once the relays of earlier runs are gone (orphaned after the hub's
    // orphanTimeout, then forgotten after its retention).
    const memory = {} as Record<Way, PerConnection>
    for (const way of Object.keys(WAYS) as Way[]) {
      const path = `${WAYS[way]}?n=1&size=48&interval=${IDLE_INTERVAL}`
      memory[way] = await memoryPerConnection(bench, server, { path, count }, `durable-${way}`)
    }
    await server.child.call('settled')
    if (bench.check) return []

    const eps = (way: Way): number[] => throughput[way]
    const heap = (way: Way): number => memory[way].heap
    const rss = (way: Way): number => memory[way].rss
    return [
      {
        title: '6. Durable relays',
        intro: `Throughput: ${num(n)} events of about 64 bytes sent by the upstream as fast as it can, through ssekit core to one client; medians of ${repeats} interleaved runs. Memory: ${num(count)} relays running at once, each with its upstream connection and one attached client, minus none, after a full collection.`,
        header: ['Relay', 'events/s', 'ratio to forward', 'heap per relay', 'RSS per relay'],
        rows: (Object.keys(WAYS) as Way[]).map((way) => [
          way === 'forward'
            ? '`stream.request({ forward: true })`'
            : 'durable relay: `hub.start` + `hub.attach`',
          range(spread(eps(way))),
          ratio(ratios(eps(way), eps('forward'))),
          kb(heap(way)),
          kb(rss(way)),
        ]),
        notes: [
          `A durable relay keeps every event in its log (here in the process: the in-memory backplane) so that clients can resume; a forwarded stream keeps none. Heap per relay over a forwarded stream: ${kb(heap('durable') - heap('forward'))}.`,
        ],
      },
    ]
  } finally {
    await stopServers(bench, [server])
  }
}
