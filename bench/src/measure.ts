import { drainedServer, type Bench, type Server } from './bench.js'
import type { Summary } from './stats.js'

/** What the client tells of one stream it read to the end. */
export interface Parsed {
  readonly status: number
  readonly events: number
  /** Ids (and stamped indexes) counted up from the first without a gap. */
  readonly sequential: boolean
  readonly micros: number
  /** Delivery latency of stamped events, when the stream had some. */
  readonly latency: Summary | undefined
}

/** A stream for the client to read. */
export interface ReadTarget {
  readonly port: number
  readonly path: string
  /** The first event's id: 0, or 1 for a durable relay's. */
  readonly firstId?: number
}

/**
 * Reads a whole stream and checks it: status 200, `expect` events, ids in sequence. A failed
 * check is reported and the run goes on.
 *
 * @param bench - The run.
 * @param target - What to read.
 * @param expect - Events the stream must carry.
 * @param label - Names the stream in a failure.
 * @returns What the client saw.
 */
export async function readChecked(
  bench: Bench,
  target: ReadTarget,
  expect: number,
  label: string
): Promise<Parsed> {
  const got = await bench.client.call<Parsed>('read', target)
  if (got.status !== 200 || got.events !== expect || !got.sequential) {
    bench.fail(`${label}: ${JSON.stringify({ ...got, latency: undefined })}`)
  }
  return got
}

/** Server memory per connection, in bytes. */
export interface PerConnection {
  readonly heap: number
  readonly rss: number
}

interface Opened {
  readonly opened: number
  readonly ok: number
}

/**
 * Opens `count` connections to a path, reads the server's memory after a full collection with
 * them open minus before, then closes them and waits until the server let go of them. The
 * baseline is read once the server holds nothing of earlier runs (`settled`: relays whose
 * retention has not passed would be freed while the connections open, and make the figure
 * smaller than the truth).
 *
 * @param bench - The run.
 * @param server - The server measured.
 * @param target - `path`: what each connection opens; `count`: how many.
 * @param label - Names the measurement in a failure.
 * @returns Heap and RSS per connection.
 */
export async function memoryPerConnection(
  bench: Bench,
  server: Server,
  target: { readonly path: string; readonly count: number },
  label: string
): Promise<PerConnection> {
  const { path, count } = target
  await server.child.call('settled')
  const before = await server.child.call<NodeJS.MemoryUsage>('memory')
  const got = await bench.client.call<Opened>('open', {
    group: label,
    port: server.port,
    path,
    count,
  })
  const after = await server.child.call<NodeJS.MemoryUsage>('memory')
  await bench.client.call('close', { group: label })
  await drainedServer(server)
  if (got.ok !== count) bench.fail(`${label}, ${server.name}: ${got.ok} of ${count} opened`)
  return {
    heap: (after.heapUsed - before.heapUsed) / count,
    rss: (after.rss - before.rss) / count,
  }
}
