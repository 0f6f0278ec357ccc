import { afterEach, describe, expect, it } from 'vitest'
import type { SendResult, SseStream } from '@ssekit/core'
import { adapterApps, type AdapterApp, type App, type AppSetup } from './helpers/apps.js'
import { waitFor } from '@ssekit/test-helpers/listen'
import { readEvents, type EventReader } from '@ssekit/test-helpers/read-events'
import { streamEnded } from '@ssekit/test-helpers/stream-end'

/** What a route saw of a stream that a limit refused. */
interface Refused {
  readonly clientDisconnected: boolean
  readonly aborted: boolean
  readonly sent: SendResult
}

interface Client {
  readonly status: number
  readonly retryAfter: string | null
  readonly reader: EventReader | undefined
  leave(): Promise<void>
}

describe.each(adapterApps)('admission limits on $name', (adapter: AdapterApp) => {
  let app: App | undefined
  const clients: Client[] = []
  /** Streams the route holds open, in arrival order. */
  let open: SseStream[] = []
  let refused: Refused[] = []

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.leave()))
    await app?.close()
    app = undefined
    open = []
    refused = []
  })

  /** An app whose route reports refused streams and keeps admitted ones open. */
  async function serve(setup: AppSetup): Promise<App> {
    app = await adapter.serve(async (stream) => {
      if (stream.clientDisconnected) {
        refused.push({
          clientDisconnected: stream.clientDisconnected,
          aborted: stream.signal.aborted,
          sent: await stream.send({ data: 'never sent' }),
        })
        return
      }
      open.push(stream)
      await stream.send({ event: 'admitted', data: String(open.length) })
      await streamEnded(stream)
    }, setup)
    return app
  }

  async function connect(headers?: Record<string, string>): Promise<Client> {
    const abort = new AbortController()
    const response = await fetch(app!.events, { headers, signal: abort.signal })
    const reader = response.status === 200 ? readEvents(response.body!) : undefined
    if (reader === undefined) await response.text()
    const client: Client = {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      reader,
      leave: async () => {
        abort.abort()
        await reader?.ended
      },
    }
    clients.push(client)
    if (reader !== undefined) await reader.event(0)
    return client
  }

  it('refuses a stream past maxStreams with 503 and Retry-After, before any event', async () => {
    await serve({ options: { maxStreams: 2 } })
    expect((await connect()).status).toBe(200)
    expect((await connect()).status).toBe(200)
    const third = await connect()
    expect(third.status).toBe(503)
    expect(third.retryAfter).toBe('5')
    await waitFor(() => refused.length === 1 || undefined, 5000, 'the refused route')
    expect(refused).toEqual([
      { clientDisconnected: true, aborted: true, sent: { clientDisconnected: true } },
    ])
  })

  it('admits again the moment a stream ends', async () => {
    await serve({ options: { maxStreams: 1 } })
    const first = await connect()
    expect((await connect()).status).toBe(503)
    await first.leave()
    await streamEnded(open[0]!)
    const next = await connect()
    expect(next.status).toBe(200)
    expect(next.reader!.events[0]).toMatchObject({ event: 'admitted', data: '2' })
    // A stream the app closes frees its slot as well.
    open[1]!.close()
    expect((await connect()).status).toBe(200)
  })

  it('refuses a client past maxStreamsPerClient with 429, counting keys apart', async () => {
    await serve({ options: { maxStreamsPerClient: 2 }, clientKeyHeader: 'x-user' })
    const alice = { 'x-user': 'alice' }
    const bob = { 'x-user': 'bob' }
    expect((await connect(alice)).status).toBe(200)
    expect((await connect(alice)).status).toBe(200)
    const third = await connect(alice)
    expect(third.status).toBe(429)
    expect(third.retryAfter).toBe('5')
    expect((await connect(bob)).status).toBe(200)
    expect((await connect(bob)).status).toBe(200)
    expect((await connect(bob)).status).toBe(429)
    await waitFor(() => refused.length === 2 || undefined, 5000, 'the refused routes')
    for (const each of refused) {
      expect(each).toEqual({
        clientDisconnected: true,
        aborted: true,
        sent: { clientDisconnected: true },
      })
    }
    // Alice's slot comes back when one of her streams ends; Bob's stay taken.
    open[0]!.close()
    expect((await connect(alice)).status).toBe(200)
    expect((await connect(bob)).status).toBe(429)
  })

  it('keys clients by their peer address by default', async () => {
    await serve({ options: { maxStreamsPerClient: 1 } })
    expect((await connect()).status).toBe(200)
    expect((await connect()).status).toBe(429)
  })

  it('answers 503 before 429 when both limits are reached', async () => {
    await serve({ options: { maxStreams: 1, maxStreamsPerClient: 1 } })
    expect((await connect()).status).toBe(200)
    expect((await connect()).status).toBe(503)
  })
})
