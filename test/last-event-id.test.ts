import { createChannel } from '@ssekit/core'
import { afterEach, describe, expect, it } from 'vitest'
import { adapterApps, type AdapterApp, type App, type Route } from './helpers/apps.js'
import { rawGet } from '@ssekit/test-helpers/raw-client'
import { upstreamPerTest } from '@ssekit/test-helpers/upstream'
import { streamEnded } from '@ssekit/test-helpers/stream-end'

/** A channel event's own id with a letter outside ASCII, as a browser sends it back. */
const ID = 'café-1'

/** What a raw client received, its bytes decoded as UTF-8. */
function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8')
}

describe.each(adapterApps)('$name: a UTF-8 Last-Event-ID', (adapter: AdapterApp) => {
  const cleanups: (() => unknown)[] = []
  const upstreamFor = upstreamPerTest()
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function serve(route: Route): Promise<App> {
    const app = await adapter.serve(route, { options: { heartbeat: 0 } })
    cleanups.push(() => app.close())
    return app
  }

  it('reads as the client wrote it, and resumes a channel from that id', async () => {
    const channel = createChannel('utf8-ids')
    for (const n of [0, 1, 2]) await channel.broadcast({ id: `café-${n}`, data: String(n) })
    const seen: (string | undefined)[] = []
    const app = await serve((stream) => {
      seen.push(stream.lastEventId)
      channel.subscribe(stream)
      return streamEnded(stream)
    })
    // The raw client writes its header as UTF-8, as browsers do.
    const client = rawGet(app.events, [`Last-Event-ID: ${ID}`])
    cleanups.push(() => client.socket.destroy())
    await client.until('data: 2\n\n')
    expect(seen).toEqual([ID])
    expect(utf8(client.body())).toBe('id: café-2\ndata: 2\n\n')
  })

  it('reaches an upstream as the same bytes when forwarded', async () => {
    const upstream = await upstreamFor((call) => {
      call.end()
    })
    const app = await serve(async (stream) => {
      await stream.request({
        url: upstream.url,
        headers: { 'Last-Event-ID': stream.lastEventId ?? '' },
        forward: true,
      })
    })
    const client = rawGet(app.events, [`Last-Event-ID: ${ID}`])
    cleanups.push(() => client.socket.destroy())
    const call = await upstream.call(0)
    const received = call.headers['last-event-id']
    expect(Buffer.from(String(received), 'latin1')).toEqual(Buffer.from(ID, 'utf8'))
  })
})
