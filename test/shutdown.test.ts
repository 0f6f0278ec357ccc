import type { SseStream } from '@ssekit/core'
import { afterEach, describe, expect, it } from 'vitest'
import { adapterApps, type AdapterApp, type App } from './helpers/apps.js'
import { rawGet, type RawClient } from '@ssekit/test-helpers/raw-client'

const CLIENTS = 50
const GRACE_MS = 2000

/** Resolves when the stream ends: the client left or the stream was closed. */
function ended(stream: SseStream): Promise<void> {
  if (stream.signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    stream.signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

// Each adapter's closeAll() reaches its streams over kept-alive connections; how a group drops
// stuck clients, ends late streams and checks its options is core's: stream/stream-group.test.ts.
describe.each(adapterApps)('shutting down a $name app', (adapter: AdapterApp) => {
  let app: App | undefined
  const clients: RawClient[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy()
    await app?.close()
    app = undefined
  })

  it('ends kept-alive streams with a final event and lets server.close() finish in the grace period', async () => {
    let open = 0
    const served = await adapter.serve(async (stream) => {
      open++
      await stream.send({ event: 'hello' })
      // Hono ends the stream with its callback: hold it until shutdown.
      await ended(stream)
    })
    app = served
    // Keep-alive connections, as browsers make: they outlive the response that ends.
    for (let i = 0; i < CLIENTS; i++) clients.push(rawGet(served.events))
    await Promise.all(clients.map((client) => client.until('event: hello')))
    expect(open).toBe(CLIENTS)

    // The sequence the README shows for SIGTERM.
    const started = Date.now()
    const serverClosed = new Promise<number>((resolve) => {
      served.server.close(() => resolve(Date.now() - started))
    })
    await served.closeAll({ event: { event: 'shutdown', retry: 2000 }, grace: GRACE_MS })
    served.server.closeIdleConnections()

    expect(await serverClosed).toBeLessThan(GRACE_MS)
    await Promise.all(clients.map((client) => client.closed))
    for (const client of clients) {
      // The event's retry, then the stream's own, jittered over the default 10 s spread.
      const delay = /event: shutdown\nretry: 2000\ndata: \n\nretry: (\d+)\n\n$/.exec(client.body())
      expect(Number(delay?.[1])).toBeGreaterThanOrEqual(2000)
      expect(Number(delay?.[1])).toBeLessThan(12_000)
    }
  })
})
