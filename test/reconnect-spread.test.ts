import {
  createNodeSink,
  createSseStream,
  createStreamGroup,
  type SseStreamGroup,
} from '@ssekit/core'
import { EventSource } from 'eventsource'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, waitFor, type Listening } from '@ssekit/test-helpers/listen'

const CLIENTS = 1000
/** Short, so the test is quick; the default is 10 s. */
const SPREAD_MS = 2000
/**
 * Slack for a loaded machine: ending a thousand streams and serving their reconnections
 * takes the same busy process a few hundred milliseconds.
 */
const LATE_MS = 1500

describe('closeAll spreads reconnections', () => {
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it(`brings ${CLIENTS} EventSource clients back over the spread window, not at once`, async () => {
    // Each client's connection times, by the client number in its URL.
    const connections = new Map<string, number[]>()
    let group: SseStreamGroup = createStreamGroup()
    const groups = [group]
    const server: Listening = await listen((req, res) => {
      const client = new URL(req.url ?? '/', 'http://x').searchParams.get('c') ?? ''
      const times = connections.get(client) ?? []
      times.push(performance.now())
      connections.set(client, times)
      createSseStream(createNodeSink(req, res), { heartbeat: 0, group }).init()
    })
    cleanups.push(() => server.close())
    cleanups.push(() => Promise.all(groups.map((each) => each.closeAll({ grace: 0, spread: 0 }))))

    const sources: EventSource[] = []
    cleanups.push(() => {
      for (const source of sources) source.close()
    })
    for (let i = 0; i < CLIENTS; i++) sources.push(new EventSource(`${server.url}/?c=${i}`))
    await waitFor(() => group.size === CLIENTS || undefined, 30_000, 'every client connected')

    const closing = group
    group = createStreamGroup()
    groups.push(group)
    const closedAt = performance.now()
    await closing.closeAll({ spread: SPREAD_MS, grace: 2000 })
    await waitFor(
      () => [...connections.values()].every((times) => times.length >= 2) || undefined,
      SPREAD_MS + 20_000,
      'every client back'
    )

    const delays = [...connections.values()].map((times) => times[1]! - closedAt)
    delays.sort((a, b) => a - b)
    expect(delays).toHaveLength(CLIENTS)
    expect(delays[0]).toBeGreaterThanOrEqual(0)
    expect(delays.at(-1)).toBeLessThan(SPREAD_MS + LATE_MS)
    // Spread out: the middle 80 % of clients came back over most of the window (uniform
    // delays would give 80 % of it; the same delay for all would give only the noise of a
    // busy process serving them).
    const percentile = (p: number): number => delays[Math.floor((CLIENTS - 1) * p)]!
    expect(percentile(0.9) - percentile(0.1)).toBeGreaterThan(SPREAD_MS * 0.5)
    // No storm: no tenth of the window sees more than a quarter of the clients.
    let busiest = 0
    for (let first = 0, last = 0; last < CLIENTS; last++) {
      while (delays[last]! - delays[first]! > SPREAD_MS / 10) first++
      busiest = Math.max(busiest, last - first + 1)
    }
    expect(busiest).toBeLessThan(CLIENTS / 4)
  }, 60_000)
})
