import { startServers, stopServers, type Bench, type Section } from '../bench.js'
import { num, range, ratio } from '../format.js'
import { spread } from '../stats.js'

/** The final event's `retry`: clients come back after it, plus their share of the spread. */
const RETRY_MS = 500

/** The `spread` window of the spread runs. */
const SPREAD_MS = 2000

/** The window over which the peak reconnection rate is counted, then scaled to a second. */
const WINDOW_MS = 100

interface Round {
  /** Clients reconnected per second in the busiest {@link WINDOW_MS} window. */
  readonly peakPerSecond: number
  /** Milliseconds from `closeAll` to the last client back. */
  readonly allBackMs: number
  readonly back: number
}

/**
 * @param times - When each client was back, µs on the shared clock.
 * @param since - When `closeAll` started, on the same clock.
 */
function roundOf(times: readonly number[], since: number): Round {
  const sorted = [...times].sort((a, b) => a - b)
  let peak = 0
  let first = 0
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= WINDOW_MS * 1000) first++
    peak = Math.max(peak, last - first + 1)
  }
  return {
    peakPerSecond: (peak * 1000) / WINDOW_MS,
    allBackMs: ((sorted.at(-1) ?? since) - since) / 1000,
    back: sorted.length,
  }
}

/**
 * Scenario 7: a connection storm after a deploy. N clients that reconnect as `EventSource`
 * does (after the last `retry` they received) hold streams of one ssekit server; `closeAll`
 * ends them all, without `spread` (every client gets the same `retry`) and with it (each
 * gets its own, over the window). Peak reconnections per second and the time until every
 * client is back, spread against no spread.
 */
export async function storm(bench: Bench): Promise<Section[]> {
  const { client } = bench
  const [server] = await startServers(bench, ['ssekit-core'])
  const count = bench.check ? 50 : bench.quick ? 500 : 2000
  const repeats = bench.check ? 1 : bench.quick ? 2 : 3
  const runs = { none: [] as Round[], spread: [] as Round[] }
  try {
    bench.log(`storm: ${count} clients, closeAll without and with a ${SPREAD_MS} ms spread`)
    for (let round = 0; round < repeats; round++) {
      // Alternate which goes first, so that drift of the machine cancels out.
      const order: ('none' | 'spread')[] = round % 2 === 0 ? ['none', 'spread'] : ['spread', 'none']
      for (const mode of order) {
        const { opened } = await client.call<{ opened: number }>('stormOpen', {
          port: server!.port,
          path: '/storm',
          count,
        })
        if (opened !== count) bench.fail(`storm: ${opened} of ${count} clients connected`)
        const { at } = await server!.child.call<{ at: number }>('closeAll', {
          retry: RETRY_MS,
          spread: mode === 'spread' ? SPREAD_MS : 0,
        })
        const times = await client.call<number[]>('stormCollect', {
          timeoutMs: RETRY_MS + SPREAD_MS + 10_000,
        })
        const result = roundOf(times, at)
        if (result.back !== count) bench.fail(`storm ${mode}: ${result.back} of ${count} came back`)
        if (mode === 'spread' && result.allBackMs < RETRY_MS + SPREAD_MS / 2) {
          bench.fail(`storm: all back ${result.allBackMs} ms after closeAll despite the spread`)
        }
        runs[mode].push(result)
        // The clients closed the streams they reopened: let the server see them go.
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
  } finally {
    await stopServers(bench, [server!])
  }
  if (bench.check) return []
  const peakRatio = spread(runs.spread.map((r, i) => r.peakPerSecond / runs.none[i]!.peakPerSecond))
  const timeRatio = spread(runs.spread.map((r, i) => r.allBackMs / runs.none[i]!.allBackMs))
  const row = (name: string, rounds: Round[]): string[] => [
    name,
    range(spread(rounds.map((r) => r.peakPerSecond)), '/s'),
    range(spread(rounds.map((r) => r.allBackMs)), ' ms'),
  ]
  return [
    {
      title: `7. Reconnect storm, ${num(count)} clients after closeAll`,
      intro: `${num(count)} clients that reconnect as EventSource does hold streams of ssekit core; \`closeAll\` ends them with a final \`retry: ${RETRY_MS}\`, without and with \`spread: ${SPREAD_MS}\`. Peak reconnections per second over ${WINDOW_MS} ms windows, and time from \`closeAll\` until every client is connected again; medians of ${repeats} rounds.`,
      header: ['closeAll', 'peak reconnections', 'all back after'],
      rows: [row('no spread', runs.none), row(`spread ${SPREAD_MS} ms`, runs.spread)],
      notes: [
        `Spread against no spread: peak rate ${ratio(peakRatio)}, time until all are back ${ratio(timeRatio)}.`,
      ],
    },
  ]
}
