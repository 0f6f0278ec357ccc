import type { SendResult, SseRequestResult, SseStream, SseStreamOptions } from '@ssekit/core'
import type { SlowClientPolicy } from '@ssekit/core/types'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { adapterApps, type AdapterApp, type App, type Route } from './helpers/apps.js'
import { waitFor } from '@ssekit/test-helpers/listen'
import { rawGet, type RawClient } from '@ssekit/test-helpers/raw-client'
import { socketCloseDelay, startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { latch } from '@ssekit/test-helpers/latch'

const KiB = 1024
/** The streams' `maxBufferedBytes`. */
const BOUND = 256 * KiB
const DATA = 'x'.repeat(64 * KiB)
const FRAME_BYTES = DATA.length + 'data: \n\n'.length
/** 10 MiB of events: well past the bound and the socket buffers of a loopback connection. */
const BURST = 160
const SEND_TIMEOUT = 400
const POLICIES: readonly SlowClientPolicy[] = ['disconnect', 'wait']

/**
 * Resolves once the server has closed its side of every connection it accepted, or fails after
 * `timeoutMs`.
 */
async function serverDropsConnections(sockets: readonly Socket[], timeoutMs = 3000): Promise<void> {
  if (sockets.length === 0) throw new Error('The server accepted no connection')
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error('The server still holds a connection'))
    }, timeoutMs)
  })
  const closed = sockets.map((socket) =>
    socket.closed ? Promise.resolve() : once(socket, 'close').then(() => undefined)
  )
  try {
    await Promise.race([Promise.all(closed), timeout])
  } finally {
    clearTimeout(timer)
  }
}

// Each adapter's streams get the slow-client options and end a stuck client as core does.
// What the bound holds, in what order a held burst arrives and how a forwarded upstream is held
// back are core's, tested once: stream/slow-client.test.ts and upstream/forward.test.ts.
describe.each(adapterApps)('a $name client that stops reading', (adapter: AdapterApp) => {
  const cleanups: (() => unknown)[] = []
  /** The server side of every connection the test's app accepted. */
  const accepted: Socket[] = []
  afterEach(async () => {
    accepted.length = 0
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function serve(route: Route, options: SseStreamOptions): Promise<App> {
    const app = await adapter.serve(route, {
      options: { heartbeat: 0, maxBufferedBytes: BOUND, ...options },
    })
    cleanups.push(() => app.close())
    app.server.on('connection', (socket) => accepted.push(socket))
    return app
  }

  /** Opens the stream on a bare socket, then stops reading once the headers arrived. */
  async function stuckClient(app: App): Promise<RawClient> {
    const client = rawGet(app.events, ['Connection: close'])
    cleanups.push(() => client.socket.destroy())
    await client.until('\r\n\r\n')
    client.socket.pause()
    return client
  }

  it.each(POLICIES)(
    'ends an awaited send after sendTimeout and drops the connection (%s)',
    async (slowClient) => {
      let outcome: { blockedFor: number; result: SendResult; aborted: boolean } | undefined
      const go = latch()
      const app = await serve(
        async (stream) => {
          stream.init()
          await go.promise
          for (;;) {
            const since = performance.now()
            const result = await stream.send({ data: DATA })
            if (result.clientDisconnected) {
              const blockedFor = performance.now() - since
              outcome = { blockedFor, result, aborted: stream.signal.aborted }
              return
            }
          }
        },
        { slowClient, sendTimeout: SEND_TIMEOUT }
      )
      await stuckClient(app)
      go.open()
      const { blockedFor, aborted } = await waitFor(() => outcome, 5000, 'the send to end')
      expect(blockedFor).toBeGreaterThanOrEqual(SEND_TIMEOUT - 50)
      expect(blockedFor).toBeLessThan(SEND_TIMEOUT + 3000)
      expect(aborted).toBe(true)
      // Dropped by the server while the client still holds its end without reading.
      await serverDropsConnections(accepted)
    }
  )

  it('drops the client on an unawaited burst past maxBufferedBytes (disconnect)', async () => {
    let results: SendResult[] | undefined
    const go = latch()
    const app = await serve(
      async (stream) => {
        stream.init()
        await go.promise
        const sends = Array.from({ length: BURST }, () => stream.send({ data: DATA }))
        results = await Promise.all(sends)
      },
      { slowClient: 'disconnect', sendTimeout: 0 }
    )
    await stuckClient(app)
    go.open()
    const settled = await waitFor(() => results, 5000, 'every send to settle')
    expect(settled.at(-1)).toEqual({ clientDisconnected: true })
    const delivered = settled.filter((result) => !result.clientDisconnected).length
    expect(delivered * FRAME_BYTES).toBeLessThan((BURST * FRAME_BYTES) / 4)
    await serverDropsConnections(accepted)
  })

  it('gives up on held sends after sendTimeout and drops the connection (wait)', async () => {
    let outcome: { results: SendResult[]; took: number } | undefined
    const go = latch()
    const app = await serve(
      async (stream) => {
        stream.init()
        await go.promise
        const since = performance.now()
        const sends = Array.from({ length: BURST }, () => stream.send({ data: DATA }))
        const results = await Promise.all(sends)
        outcome = { results, took: performance.now() - since }
      },
      { slowClient: 'wait', sendTimeout: SEND_TIMEOUT }
    )
    await stuckClient(app)
    go.open()
    const { results, took } = await waitFor(() => outcome, 5000, 'every send to settle')
    expect(took).toBeGreaterThanOrEqual(SEND_TIMEOUT - 50)
    expect(took).toBeLessThan(SEND_TIMEOUT + 3000)
    expect(results.at(-1)).toEqual({ clientDisconnected: true })
    await serverDropsConnections(accepted)
  })

  describe('while forwarding an endless upstream', () => {
    /** An upstream that sends big events as fast as its reader takes them, until closed. */
    async function endlessUpstream(): Promise<Upstream> {
      const upstream = await startUpstream(async (call) => {
        while (await call.send({ data: DATA }));
      })
      cleanups.push(() => upstream.close())
      return upstream
    }

    /** A route forwarding the upstream, recording how the request ended. */
    function forwarding(upstream: Upstream): {
      route: Route
      outcome: () => { result: SseRequestResult; stream: SseStream } | undefined
    } {
      let outcome: { result: SseRequestResult; stream: SseStream } | undefined
      return {
        route: async (stream) => {
          const result = await stream.request({ url: upstream.url, forward: true, collect: false })
          outcome = { result, stream }
        },
        outcome: () => outcome,
      }
    }

    it('drops the client after sendTimeout and closes the upstream connection', async () => {
      const upstream = await endlessUpstream()
      const { route, outcome } = forwarding(upstream)
      const app = await serve(route, { sendTimeout: SEND_TIMEOUT })
      await stuckClient(app)
      const call = await upstream.call(0)
      await waitFor(() => call.blocked, 5000, 'the upstream to meet backpressure')
      const since = performance.now()
      const { result } = await waitFor(outcome, 5000, 'request() to resolve')
      expect(result.clientDisconnected).toBe(true)
      expect(await socketCloseDelay(call, since)).toBeLessThan(SEND_TIMEOUT + 3000)
      await serverDropsConnections(accepted)
    })
  })
})
