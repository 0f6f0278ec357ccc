import { EventSource } from 'eventsource'
import { afterEach, describe, expect, it } from 'vitest'
import { createRelayHub, type RelayHub, type RelayHubOptions } from '@ssekit/core'
import { relayAdapters, type RelayAdapter, type RelayApp } from './helpers/relay-apps.js'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'

/** What a real `EventSource` received, until it stopped reconnecting or was closed. */
interface Follower {
  /** Every `message` event: `id` and `data`. */
  readonly messages: { id: string; data: string }[]
  /** The data of each `end` event. */
  readonly ends: string[]
  /** Connections it opened (the first, then each reconnection). */
  readonly opened: () => number
  /** Resolves once `EventSource` gave up: the server answered 204. */
  readonly closed: Promise<void>
  /** Resolves once `n` messages arrived. */
  received: (n: number) => Promise<void>
  close: () => void
}

function follow(url: string, lastEventId?: string): Follower {
  const source = new EventSource(url, {
    // The first connection resumes from `lastEventId`; reconnections send what EventSource has.
    fetch: (input, init) => {
      const headers = new Headers(init.headers)
      if (lastEventId !== undefined && !headers.has('last-event-id')) {
        headers.set('last-event-id', lastEventId)
      }
      return fetch(input, { ...init, headers })
    },
  })
  const messages: { id: string; data: string }[] = []
  const ends: string[] = []
  const waiting: { n: number; resolve: () => void }[] = []
  let opened = 0
  source.addEventListener('open', () => {
    opened++
  })
  source.addEventListener('message', (event) => {
    messages.push({ id: event.lastEventId, data: event.data as string })
    for (const wait of waiting.splice(0)) {
      if (messages.length >= wait.n) wait.resolve()
      else waiting.push(wait)
    }
  })
  source.addEventListener('end', (event) => ends.push(event.data as string))
  const closed = new Promise<void>((resolve) => {
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) resolve()
    })
  })
  followers.push(source)
  return {
    messages,
    ends,
    opened: () => opened,
    closed,
    received: (n) =>
      messages.length >= n
        ? Promise.resolve()
        : new Promise((resolve) => waiting.push({ n, resolve })),
    close: () => source.close(),
  }
}

const followers: EventSource[] = []
const upstreams: Upstream[] = []
let app: RelayApp | undefined
let hub: RelayHub | undefined

afterEach(async () => {
  for (const source of followers.splice(0)) source.close()
  await hub?.close()
  await app?.close()
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()))
  app = undefined
  hub = undefined
})

/** An upstream that sends `count` events, one every `every` ms, then ends. */
async function pacedUpstream(count: number, every: number): Promise<Upstream> {
  const upstream = await startUpstream(async (call) => {
    for (let n = 1; n <= count; n++) {
      if (!(await call.send({ id: `upstream-${n}`, data: `token ${n}` }))) return
      await new Promise((resolve) => setTimeout(resolve, every))
    }
    call.end()
  })
  upstreams.push(upstream)
  return upstream
}

function sent(count: number): { id: string; data: string }[] {
  return Array.from({ length: count }, (_, index) => ({
    id: String(index + 1),
    data: `token ${index + 1}`,
  }))
}

describe.each(relayAdapters)('relays through $name', (adapter: RelayAdapter) => {
  async function serve(options?: RelayHubOptions): Promise<{ relays: RelayHub; app: RelayApp }> {
    hub = createRelayHub(options)
    app = await adapter.serve(hub)
    return { relays: hub, app }
  }

  it('delivers every event and the end, then answers the reconnection with 204', async () => {
    const { relays, app } = await serve()
    const upstream = await pacedUpstream(20, 2)
    const relay = await relays.start({ url: upstream.url })
    const client = follow(app.relay(relay.id))
    await client.closed
    expect(client.messages).toEqual(sent(20))
    expect(client.ends).toEqual(['{"status":"done"}'])
    // The first connection, then the reconnection after the end, answered 204.
    expect(client.opened()).toBe(1)
  })

  it('resumes with Last-Event-ID after drops while the upstream keeps sending', async () => {
    const { relays, app } = await serve()
    const upstream = await pacedUpstream(60, 5)
    const relay = await relays.start({ url: upstream.url })
    const client = follow(app.relay(relay.id))
    for (const at of [7, 23, 41]) {
      await client.received(at)
      app.server.closeAllConnections()
    }
    await client.closed
    expect(client.messages).toEqual(sent(60))
    expect(client.ends).toEqual(['{"status":"done"}'])
    expect(client.opened()).toBe(4)
  })

  it('replays everything with lastEventId: null, whatever the client sends', async () => {
    const { relays, app } = await serve()
    const relay = await relays.start(async ({ send }) => {
      for (let n = 1; n <= 5; n++) await send({ data: `token ${n}` })
    })
    await relay.done
    const client = follow(app.relay(relay.id, true), '3')
    await client.received(5)
    expect(client.messages).toEqual(sent(5))
    client.close()
  })

  it('gives a client attaching after the end everything, and one that has it all 204', async () => {
    const { relays, app } = await serve()
    const relay = await relays.start(async ({ send }) => {
      for (let n = 1; n <= 3; n++) await send({ data: `token ${n}` })
    })
    await relay.done
    const late = follow(app.relay(relay.id))
    await late.closed
    expect(late.messages).toEqual(sent(3))
    expect(late.ends).toEqual(['{"status":"done"}'])
    const complete = await fetch(app.relay(relay.id), { headers: { 'Last-Event-ID': '3' } })
    expect(complete.status).toBe(204)
    expect(await complete.text()).toBe('')
    const behind = follow(app.relay(relay.id), '2')
    await behind.closed
    expect(behind.messages).toEqual(sent(3).slice(2))
  })

  it('answers 404 for an unknown relay', async () => {
    const { app } = await serve()
    const response = await fetch(app.relay('unknown'))
    expect(response.status).toBe(404)
  })

  it('ends the client with stopped when the relay is stopped', async () => {
    const { relays, app } = await serve()
    const upstream = await pacedUpstream(1000, 5)
    const relay = await relays.start({ url: upstream.url })
    const client = follow(app.relay(relay.id))
    await client.received(3)
    expect(await relays.stop(relay.id, 'user')).toBe(true)
    await (
      await upstream.call(0)
    ).closed
    await client.closed
    expect(client.ends).toEqual(['{"status":"stopped","reason":"user"}'])
    expect(client.messages).toEqual(sent(client.messages.length))
  })
  it('closes the upstream once the last client left for orphanTimeout', async () => {
    const { relays, app } = await serve({ orphanTimeout: 100 })
    const upstream = await pacedUpstream(10_000, 5)
    const relay = await relays.start({ url: upstream.url })
    const client = follow(app.relay(relay.id))
    await client.received(3)
    client.close()
    const leftAt = performance.now()
    const call = await upstream.call(0)
    await call.closed
    expect(call.closedAt! - leftAt).toBeGreaterThanOrEqual(90)
    expect(await relay.done).toEqual({ status: 'stopped', reason: 'orphaned' })
  })

  it('with orphanTimeout Infinity, runs the upstream to its end after the client left', async () => {
    const { relays, app } = await serve({ orphanTimeout: Infinity })
    const upstream = await pacedUpstream(60, 5)
    const relay = await relays.start({ url: upstream.url })
    const client = follow(app.relay(relay.id))
    await client.received(3)
    client.close()
    expect(await relay.done).toEqual({ status: 'done' })
    expect(await relays.get(relay.id)).toEqual({ id: relay.id, status: 'done', events: 60 })
    const returning = follow(app.relay(relay.id), client.messages.at(-1)!.id)
    await returning.closed
    expect([...client.messages, ...returning.messages]).toEqual(sent(60))
  })
})
