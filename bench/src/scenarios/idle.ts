import {
  interleave,
  ratios,
  startServers,
  stopServers,
  type Bench,
  type Section,
} from '../bench.js'
import { CONTENDERS, IDLERS, type ContenderName } from '../contenders.js'
import { kb, range, ratio } from '../format.js'
import { memoryPerConnection, type PerConnection } from '../measure.js'
import { spread } from '../stats.js'

/** The framework each adapter runs on, whose memory alone it is read against. */
const FRAMEWORK_OF: Partial<Record<ContenderName, ContenderName>> = {
  'ssekit-core': 'raw',
  'ssekit-express': 'express',
  'ssekit-koa': 'koa',
  'ssekit-hono': 'hono',
  'ssekit-fastify': 'fastify',
}

/**
 * Scenario 2: idle streams. Heap and RSS per connection, after a full collection, with the
 * connections open minus before they were opened.
 */
export async function idle(bench: Bench): Promise<Section[]> {
  const servers = await startServers(bench, IDLERS)
  const counts = bench.check ? [50] : bench.quick ? [1000] : [1000, 5000, 10_000]
  const sections: Section[] = []
  try {
    for (const count of counts) {
      bench.log(`idle: ${count} streams`)
      // Memory barely varies between rounds: the larger counts run once.
      const repeats = bench.check || bench.quick || count > 1000 ? 1 : 2
      const results = await interleave(servers, repeats, (server) =>
        memoryPerConnection(bench, server, { path: '/idle', count }, `idle ${count}`)
      )
      if (bench.check) continue
      const heapOf = (name: ContenderName): number[] =>
        results.get(name)!.map((r: PerConnection) => r.heap)
      const rawHeap = heapOf('raw')
      sections.push({
        title: `2. Idle streams: ${count.toLocaleString('en')} open connections`,
        intro: `Server memory per open stream after a full collection (heap: V8 heap used; RSS: the whole process), with ${count.toLocaleString('en')} connections open, minus the same with none.`,
        header: [
          'Contender',
          'heap per stream',
          'heap ratio to raw',
          'RSS per stream',
          'heap ratio to its framework alone',
        ],
        rows: servers.map(({ name }) => {
          const heap = heapOf(name)
          const framework = FRAMEWORK_OF[name]
          return [
            CONTENDERS[name],
            range(spread(heap.map((b) => b / 1e3)), ' KB'),
            ratio(ratios(heap, rawHeap)),
            kb(spread(results.get(name)!.map((r) => r.rss)).median),
            framework === undefined ? '' : ratio(ratios(heap, heapOf(framework))),
          ]
        }),
      })
    }
  } finally {
    await stopServers(bench, servers)
  }
  return sections
}
