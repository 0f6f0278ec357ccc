import {
  drainedServer,
  interleave,
  ratios,
  startServers,
  stopServers,
  type Bench,
  type Section,
  type Server,
} from '../bench.js'
import { BROADCASTERS, CONTENDERS, type ContenderName } from '../contenders.js'
import { num, range, ratio } from '../format.js'
import { hasRedis, startRedis } from '../redis.js'
import { median, spread, type Summary } from '../stats.js'

interface Opened {
  readonly opened: number
  readonly ok: number
}

interface Collected {
  readonly complete: number
  readonly inOrder: boolean
  readonly last: Summary | undefined
  readonly all: Summary | undefined
  readonly clientBusy: number
}

/** One broadcast as the server measured it, in µs. */
interface Broadcasted {
  /** In the broadcast call. */
  readonly call: number
  /** Until the event loop came round: every frame handed to its socket. */
  readonly time: number
  /** CPU over the same span. */
  readonly cpu: number
}

interface Run {
  readonly call: number
  readonly serverTime: number
  readonly cpu: number
  readonly lastP50: number
  readonly lastP99: number
  readonly allP50: number
  readonly allP99: number
  readonly clientBusy: number
}

/** Subscribes `count` clients spread over `servers`, broadcasts from the first, collects. */
async function fanOut(
  bench: Bench,
  servers: readonly Server[],
  count: number,
  broadcasts: number,
  label: string
): Promise<Run> {
  const { client } = bench
  const share = Math.ceil(count / servers.length)
  const targets = servers.map((s, i) => ({
    port: s.port,
    path: '/subscribe',
    count: Math.min(share, count - i * share),
  }))
  const opened = await client.call<Opened>('subscribe', { targets })
  if (opened.ok !== count)
    bench.fail(`broadcast ${count}, ${label}: ${opened.ok} of ${count} subscribed`)
  // Let the servers finish subscribing (better-sse registers after its head is written).
  await new Promise((resolve) => setTimeout(resolve, 100))
  // One broadcast at a time, the next once every client has the last: none waits behind another.
  const sent: Broadcasted[] = []
  for (let index = 0; index < broadcasts; index++) {
    const [one] = await Promise.all([
      servers[0]!.child.call<Broadcasted>('broadcast', { index }),
      client.call('delivered', { index, timeoutMs: 10_000 }),
    ])
    sent.push(one)
  }
  const got = await client.call<Collected>('collect', { expect: broadcasts })
  await Promise.all(servers.map(drainedServer))
  if (got.complete !== count || !got.inOrder) {
    bench.fail(
      `broadcast ${count}, ${label}: ${got.complete} of ${count} got all ${broadcasts}, in order: ${got.inOrder}`
    )
  }
  return {
    call: median(sent.map((one) => one.call)),
    serverTime: median(sent.map((one) => one.time)),
    cpu: median(sent.map((one) => one.cpu)),
    lastP50: got.last?.p50 ?? NaN,
    lastP99: got.last?.p99 ?? NaN,
    allP50: got.all?.p50 ?? NaN,
    allP99: got.all?.p99 ?? NaN,
    clientBusy: got.clientBusy,
  }
}

const BROADCAST_LABEL: Partial<Record<ContenderName, string>> = {
  raw: 'raw loop of `res.write`',
  express: 'Express alone: raw loop of `res.write` over its responses',
}

const ms = (micros: number[]): string => range(spread(micros.map((m) => m / 1e3)), ' ms')

/**
 * Scenario 5: broadcast to many subscribers in one process (ssekit's and better-sse's
 * channels against a raw loop of `res.write`), and ssekit through Redis with two instances.
 * Server time runs from the broadcast call until the event loop comes round, when every frame
 * has been handed to its socket (Node writes HTTP chunks on the next tick); delivery runs from the call to the client reading
 * the event, for every client ("each") and for the last client of each broadcast ("last").
 */
export async function broadcast(bench: Bench): Promise<Section[]> {
  const counts = bench.check ? [50] : bench.quick ? [1000] : [1000, 5000, 10_000]
  const broadcasts = bench.check ? 5 : bench.quick ? 20 : 30
  const sections: Section[] = []
  const servers = await startServers(bench, BROADCASTERS)
  try {
    for (const count of counts) {
      bench.log(`broadcast: ${count} subscribers`)
      const repeats = bench.check || bench.quick ? 1 : count === 5000 ? 1 : count === 1000 ? 3 : 2
      const results = await interleave(servers, repeats, (server) =>
        fanOut(bench, [server], count, broadcasts, server.name)
      )
      if (bench.check) continue
      const raw = results.get('raw')!
      const busiest = Math.max(...[...results.values()].flat().map((r) => r.clientBusy))
      sections.push({
        title: `5. Broadcast to ${count.toLocaleString('en')} subscribers in one process`,
        intro: `${broadcasts} broadcasts of a 64-byte event, each once every client has the one before; medians over the broadcasts, then over ${repeats} interleaved runs. Server time and CPU run from the broadcast call until the event loop comes round, when every frame has been handed to its socket (Node writes HTTP chunks on the next tick); "in the call" is the synchronous part. Delivery runs from the call to the client reading the event: to each client, and to the last client of each broadcast.`,
        header: [
          'Contender',
          'server time per broadcast',
          'ratio to raw loop',
          'server CPU per broadcast',
          'in the call',
          'delivery to each p50 / p99',
          'delivery to the last p50 / p99',
        ],
        rows: servers.map(({ name }) => {
          const runs = results.get(name)!
          return [
            BROADCAST_LABEL[name] ?? CONTENDERS[name],
            ms(runs.map((r) => r.serverTime)),
            ratio(
              ratios(
                runs.map((r) => r.serverTime),
                raw.map((r) => r.serverTime)
              )
            ),
            ms(runs.map((r) => r.cpu)),
            ms(runs.map((r) => r.call)),
            `${ms(runs.map((r) => r.allP50))} / ${ms(runs.map((r) => r.allP99))}`,
            `${ms(runs.map((r) => r.lastP50))} / ${ms(runs.map((r) => r.lastP99))}`,
          ]
        }),
        notes: [
          `The client process was busy ${(busiest * 100).toFixed(0)}% of the time while collecting, at most: ${busiest > 0.8 ? 'with this many sockets it is part of the delivery time, the same for every contender' : 'not the bottleneck'}.`,
        ],
      })
    }
  } finally {
    await stopServers(bench, servers)
  }
  sections.push(...(await throughRedis(bench, counts, broadcasts)))
  return sections
}

async function throughRedis(
  bench: Bench,
  counts: readonly number[],
  broadcasts: number
): Promise<Section[]> {
  if (!hasRedis()) {
    bench.log('broadcast through Redis: skipped, redis-server is not installed')
    return []
  }
  const redis = await startRedis()
  const servers = await startServers(bench, ['ssekit-core', 'ssekit-core'], {
    redis: redis.url,
  })
  const rows: string[][] = []
  try {
    for (const count of counts) {
      bench.log(`broadcast through Redis: ${count} subscribers`)
      const runs: Run[] = []
      for (let i = 0; i < (bench.check || bench.quick ? 1 : 2); i++) {
        runs.push(await fanOut(bench, servers, count, broadcasts, 'ssekit-core through Redis'))
      }
      rows.push([
        num(count),
        ms(runs.map((r) => r.call)),
        `${ms(runs.map((r) => r.allP50))} / ${ms(runs.map((r) => r.allP99))}`,
        `${ms(runs.map((r) => r.lastP50))} / ${ms(runs.map((r) => r.lastP99))}`,
      ])
    }
  } finally {
    await stopServers(bench, servers)
    await redis.stop()
  }
  if (bench.check) return []
  return [
    {
      title: '5b. Broadcast through Redis, two instances',
      intro: `Two ssekit servers (core on \`node:http\`) share a channel through \`@ssekit/redis\` and a local \`redis-server\`; half the subscribers on each, every broadcast made on the first. ${broadcasts} broadcasts per run.`,
      header: [
        'Subscribers',
        'server time in the call',
        'delivery to each p50 / p99',
        'delivery to the last p50 / p99',
      ],
      rows,
    },
  ]
}
