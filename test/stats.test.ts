import { afterEach, describe, expect, it } from 'vitest'
import type { SseStream } from '@ssekit/core'
import { adapterApps, type AdapterApp, type App } from './helpers/apps.js'
import { waitFor } from '@ssekit/test-helpers/listen'
import { readEvents, type EventReader } from '@ssekit/test-helpers/read-events'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { streamEnded } from '@ssekit/test-helpers/stream-end'

describe.each(adapterApps)('stats() of $name', (adapter: AdapterApp) => {
  let app: App | undefined
  let upstream: Upstream | undefined
  const aborts: AbortController[] = []
  afterEach(async () => {
    for (const abort of aborts.splice(0)) abort.abort()
    await app?.close()
    await upstream?.close()
    app = undefined
    upstream = undefined
  })

  async function connect(): Promise<{ status: number; reader?: EventReader; leave(): void }> {
    const abort = new AbortController()
    aborts.push(abort)
    const response = await fetch(app!.events, { signal: abort.signal })
    if (response.status !== 200) {
      await response.text()
      return { status: response.status, leave: () => undefined }
    }
    return { status: 200, reader: readEvents(response.body!), leave: () => abort.abort() }
  }

  it('counts streams, their ends, sends and upstream calls through a scripted sequence', async () => {
    upstream = await startUpstream(async (call) => {
      await call.send({ data: 'c1' })
      await call.closed
    })
    const upstreamUrl = upstream.url
    const streams: SseStream[] = []
    // What each admitted request's route does, in arrival order.
    const script: ((stream: SseStream) => Promise<unknown>)[] = [
      async (stream) => {
        await stream.send({ data: 'a1' })
        await stream.send({ data: 'a2' })
      },
      async (stream) => {
        await stream.send({ data: 'é' })
        stream.close()
      },
      (stream) => stream.request({ url: upstreamUrl, forward: true }),
    ]
    app = await adapter.serve(
      async (stream) => {
        if (stream.clientDisconnected) return
        streams.push(stream)
        await script.shift()!(stream)
        await streamEnded(stream)
      },
      { options: { maxStreams: 2, heartbeat: 0 } }
    )
    expect(app.stats()).toMatchObject({ open: 0, started: 0, eventsSent: 0, bytesSent: 0 })

    const a = await connect()
    await a.reader!.event(1)
    const b = await connect()
    await b.reader!.ended
    const c = await connect()
    await c.reader!.event(0)
    expect((await connect()).status).toBe(503)
    expect(app.stats()).toMatchObject({ open: 2, started: 3, refused: 1, upstreamInFlight: 1 })

    a.leave()
    await streamEnded(streams[0]!)
    await app.closeAll({ grace: 1000, spread: 0 })
    await waitFor(() => app!.stats().upstreamInFlight === 0 || undefined, 5000, 'the relay end')

    expect(app.stats()).toEqual({
      open: 0,
      started: 3,
      ended: {
        'client-left': 1,
        closed: 1,
        'slow-client': 0,
        'send-timeout': 0,
        'max-duration': 0,
        shutdown: 1,
        refused: 1,
      },
      // a1, a2, é, and c1 relayed from the upstream: ten UTF-8 bytes each ("é" takes two).
      eventsSent: 4,
      bytesSent: 40,
      slowClientDrops: 0,
      refused: 1,
      upstreamInFlight: 0,
    })
  })
})
