import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { adapterApps, type AdapterApp } from './helpers/apps.js'
import { rawGet } from '@ssekit/test-helpers/raw-client'

/** The TCP keepalive delay documented in the README. */
const KEEPALIVE_DELAY_MS = 30_000

describe.each(adapterApps)('$name: the socket of a stream', (adapter: AdapterApp) => {
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    vi.restoreAllMocks()
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it('has TCP keepalive on, so a client gone from a quiet connection is noticed', async () => {
    const setKeepAlive = vi.spyOn(net.Socket.prototype, 'setKeepAlive')
    const app = await adapter.serve((stream) => stream.init(), { options: { heartbeat: 0 } })
    cleanups.push(() => app.close())
    // A bare socket: the client itself sets no keepalive.
    const client = rawGet(app.events)
    cleanups.push(() => client.socket.destroy())
    await client.until('\r\n\r\n')
    const port = Number(new URL(app.url).port)
    const serverSide = setKeepAlive.mock.calls.filter(
      (_, call) => (setKeepAlive.mock.contexts[call] as net.Socket).localPort === port
    )
    expect(serverSide).toEqual([[true, KEEPALIVE_DELAY_MS]])
  })
})
