import { interleave, startServers, stopServers, type Bench, type Section } from '../bench.js'
import { CONTENDERS, STREAMERS } from '../contenders.js'
import { kb } from '../format.js'
import { median } from '../stats.js'

interface Resumed {
  readonly events: number
  readonly afterResume: number
  readonly sequential: boolean
  readonly ended: boolean
}

interface Run {
  readonly half: number
  readonly full: number
  readonly rss: number
}

const grown = (after: NodeJS.MemoryUsage, before: NodeJS.MemoryUsage): number =>
  after.heapUsed + after.external - before.heapUsed - before.external

/**
 * Scenario 3: a client that stops reading mid-stream while the server's producer keeps
 * offering 20 MB/s of 1 KiB events. Server memory (heap plus external buffers, after a full
 * collection) is sampled halfway and at the end of the stall: a bounded library stops
 * growing once the socket and its own buffer are full.
 */
export async function slow(bench: Bench): Promise<Section[]> {
  const { client } = bench
  const servers = await startServers(bench, STREAMERS)
  const stallMs = bench.check ? 300 : bench.quick ? 1000 : 2000
  try {
    bench.log(`slow client: ${stallMs} ms stalled`)
    const results = await interleave(
      servers,
      bench.check || bench.quick ? 1 : 2,
      async (server) => {
        const before = await server.child.call<NodeJS.MemoryUsage>('memory')
        await client.call('stall', { port: server.port, path: '/slow?size=1024', bytes: 64 * 1024 })
        await new Promise((resolve) => setTimeout(resolve, stallMs / 2))
        const half = await server.child.call<NodeJS.MemoryUsage>('memory')
        await new Promise((resolve) => setTimeout(resolve, stallMs / 2))
        const full = await server.child.call<NodeJS.MemoryUsage>('memory')
        const resumed = await client.call<Resumed>('resume', { ms: 300 })
        if (!resumed.sequential || (resumed.afterResume === 0 && !resumed.ended)) {
          bench.fail(`slow client, ${server.name}: ${JSON.stringify(resumed)}`)
        }
        return { half: grown(half, before), full: grown(full, before), rss: full.rss - before.rss }
      }
    )
    if (bench.check) return []
    return [
      {
        title: '3. Slow client: memory while a client stops reading',
        intro: `The client reads 64 KiB, then stops reading for ${stallMs / 1000} s while the route's producer offers 200 events of 1 KiB every 10 ms (awaiting each send where the library returns a promise). Growth of server heap plus external memory after a full collection; medians of the runs.`,
        header: [
          'Contender',
          `growth after ${stallMs / 2000} s`,
          `growth after ${stallMs / 1000} s`,
          'RSS growth',
          'bounded',
        ],
        rows: servers.map(({ name }) => {
          const runs = results.get(name)!
          const half = median(runs.map((r: Run) => r.half))
          const full = median(runs.map((r: Run) => r.full))
          // Bounded: a socket buffer's and a stream bound's worth, not a share of what was offered.
          const bounded = full < 2e6
          return [
            CONTENDERS[name],
            kb(half),
            kb(full),
            kb(median(runs.map((r: Run) => r.rss))),
            bounded ? 'yes' : '**no**',
          ]
        }),
      },
    ]
  } finally {
    await stopServers(bench, servers)
  }
}
