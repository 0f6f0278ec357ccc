import { createStreamGroup, type SseStream } from '@ssekit/core'
import { getEventListeners } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { AdapterApp, App } from './apps.js'
import { listen, waitFor, type Listening } from '@ssekit/test-helpers/listen'
import { usedMemory } from '@ssekit/test-helpers/memory'
import { countTimers, type TimerCensus } from './timer-census.js'

const CLIENTS = 5000
/** Clients in flight at once. */
const CONCURRENCY = 32
/** A first round, so that what is allocated once (code, pools, caches) is in the baseline. */
const WARMUP = 1000
/** The bound on one adapter's run: it takes about 10 s on two busy cores. */
const TIME_LIMIT_MS = 45_000
const MiB = 1024 * 1024

// Delays nothing else in the process uses, so the census counts only the streams' timers.
const HEARTBEAT_MS = 23
/** The heartbeat clock ticks a twentieth of the interval, at least 1 ms. */
const HEARTBEAT_TICK_MS = 1
const SEND_TIMEOUT_MS = 30_011
const MAX_DURATION_MS = 600_013
const UPSTREAM_TIMEOUT_MS = 30_017
const UPSTREAM_IDLE_MS = 30_019

/**
 * How a client ends: `abrupt` destroys its socket mid-stream (with a FIN, or a reset for
 * every other one), `server` waits for the route to close the stream.
 */
type Ending = 'abrupt' | 'server'

/**
 * An upstream event stream that keeps no record of its requests: `/server` sends two events
 * and ends, anything else sends one and stays open until its client leaves.
 */
async function startUpstream(): Promise<Listening & { server: http.Server; open: () => number }> {
  let open = 0
  const server = await listen((req, res) => {
    open++
    res.once('close', () => open--)
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: hello\n\n')
    if (req.url === '/server') res.end('data: bye\n\n')
  })
  return { ...server, open: () => open }
}

/**
 * One client on a bare socket: it asks for the stream, reads until it has seen the forwarded
 * event and a heartbeat, then leaves as `ending` says.
 *
 * @returns What it received, for a check.
 */
function runClient(url: string, ending: Ending, reset: boolean): Promise<string> {
  const { port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1')
    let text = ''
    socket.setEncoding('latin1')
    socket.write(
      'GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n' +
        `Last-Event-ID: ${ending}\r\nConnection: close\r\n\r\n`
    )
    socket.on('data', (chunk: string) => {
      text += chunk
      // A heartbeat is a bare `:` comment line; it comes once the stream was idle.
      if (ending === 'abrupt' && text.includes('data: hello\n\n') && text.includes(':\n\n')) {
        if (reset) socket.resetAndDestroy()
        else socket.destroy()
      }
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(text))
  })
}

/** Runs `count` clients, `CONCURRENCY` at a time, half of them leaving abruptly. */
async function churn(url: string, count: number, check: (text: string, ending: Ending) => void) {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++
      const ending: Ending = index % 2 === 0 ? 'abrupt' : 'server'
      check(await runClient(url, ending, index % 4 === 0), ending)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
}

/** Listener counts per event of an emitter, to compare before and after. */
function listenerCounts(emitter: NodeJS.EventEmitter): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of emitter.eventNames()) counts[String(name)] = emitter.listenerCount(name)
  return counts
}

/**
 * The churn test for one adapter, in a file of its own so that each file stays well under a
 * minute: 5,000 clients come and go, half of them abruptly, while the route forwards a
 * local upstream and heartbeats run; afterwards no stream, timer, listener or memory of them
 * may be left.
 *
 * @param adapter - The adapter to test.
 */
export function describeChurn(adapter: AdapterApp): void {
  describe(`${adapter.name} under churn`, () => {
    const cleanups: (() => unknown)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })

    it(
      `serves ${CLIENTS} forwarding clients coming and going and keeps nothing of them`,
      async () => {
        const timers: TimerCensus = countTimers([
          HEARTBEAT_TICK_MS,
          SEND_TIMEOUT_MS,
          // A stream ends up to a tenth of maxDuration early, at random.
          [MAX_DURATION_MS * 0.9, MAX_DURATION_MS],
          UPSTREAM_TIMEOUT_MS,
          UPSTREAM_IDLE_MS,
        ])
        cleanups.push(() => timers.restore())
        const upstream = await startUpstream()
        cleanups.push(() => upstream.close())
        // One signal shared by every request, as an app-wide shutdown signal would be.
        const shutdown = new AbortController()
        const group = createStreamGroup()
        let opened = 0
        let ended = 0
        let routesDone = 0
        const routeErrors: unknown[] = []
        const app: App = await adapter.serve(
          async (stream: SseStream) => {
            opened++
            stream.signal.addEventListener('abort', () => ended++, { once: true })
            try {
              const ending = stream.lastEventId
              const result = await stream.request({
                url: `${upstream.url}/${ending}`,
                forward: true,
                collect: false,
                signal: shutdown.signal,
                timeout: UPSTREAM_TIMEOUT_MS,
                idleTimeout: UPSTREAM_IDLE_MS,
              })
              if (!result.clientDisconnected) {
                await stream.send({ event: 'done' })
                stream.close()
              }
            } catch (error) {
              routeErrors.push(error)
            } finally {
              routesDone++
            }
          },
          {
            options: {
              group,
              heartbeat: HEARTBEAT_MS,
              sendTimeout: SEND_TIMEOUT_MS,
              maxDuration: MAX_DURATION_MS,
            },
          }
        )
        cleanups.push(() => app.close())

        const problems: string[] = []
        const check = (text: string, ending: Ending): void => {
          // Abrupt clients saw a forwarded event and a heartbeat; the others the whole relay.
          const complete =
            text.includes('data: hello\n\n') &&
            (ending === 'abrupt'
              ? text.includes(':\n\n')
              : text.includes('data: bye\n\n') && text.includes('event: done\ndata: \n\n'))
          if (!complete && problems.length < 5) problems.push(`${ending}: ${text.slice(-200)}`)
        }
        await churn(app.url, WARMUP, check)
        await waitFor(() => routesDone === WARMUP, 10_000, 'the warm-up routes to finish')
        const baseline = {
          memory: usedMemory(),
          app: listenerCounts(app.server),
          upstream: listenerCounts(upstream.server),
          process: listenerCounts(process),
        }

        const started = Date.now()
        await churn(app.url, CLIENTS, check)
        await waitFor(() => routesDone === WARMUP + CLIENTS, 10_000, 'every route to finish')
        await waitFor(() => upstream.open() === 0, 10_000, 'every upstream response to close')
        const took = Date.now() - started

        expect(problems).toEqual([])
        expect(routeErrors).toEqual([])
        expect(app.errors).toEqual([])
        expect(opened).toBe(WARMUP + CLIENTS)
        expect(ended).toBe(opened)
        expect(group.size).toBe(0)
        expect(upstream.open()).toBe(0)
        // The census saw every stream's timers (maxDuration's at least), and none is left.
        expect(timers.created()).toBeGreaterThan(CLIENTS)
        expect(timers.live()).toBe(0)
        expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0)
        expect(listenerCounts(app.server)).toEqual(baseline.app)
        expect(listenerCounts(upstream.server)).toEqual(baseline.upstream)
        expect(listenerCounts(process)).toEqual(baseline.process)
        // Measured at 0.5 to 3 MiB whether 2,000 or 10,000 clients came: what the runtime
        // settles into, not a per-client cost. Keeping 1.3 KiB per client would pass 6 MiB;
        // keeping each request's objects adds tens of MiB.
        expect(usedMemory() - baseline.memory).toBeLessThan(6 * MiB)
        expect(took).toBeLessThan(TIME_LIMIT_MS)
      },
      TIME_LIMIT_MS + 10_000
    )
  })
}
