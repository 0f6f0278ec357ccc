import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import {
  createRelayHub,
  RelayNotFoundError,
  sse,
  type RelayEnd,
  type RelayHub,
} from '@ssekit/express'
import { createClient } from '@redis/client'
import { EventSource } from 'eventsource'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { latch } from '@ssekit/test-helpers/latch'
import { listen, sleep, waitFor } from '@ssekit/test-helpers/listen'
import { startNode } from './helpers/node-process.js'
import { controlled } from './helpers/relay-client.js'
import { redisInstances } from '@ssekit/test-helpers/redis-instances'
import { useRedisServer } from '@ssekit/test-helpers/redis-server'
import { upstreamPerTest, type UpstreamCall } from '@ssekit/test-helpers/upstream'

const redis = useRedisServer()
const { cleanups, newBackplane } = redisInstances(redis)
const serveUpstream = upstreamPerTest()

/** The instances of the running test, whose hubs must have reported no error by its end. */
const started: Instance[] = []
afterEach(() => {
  for (const { errors } of started.splice(0)) expect(errors).toEqual([])
})

const ownerScript = fileURLToPath(new URL('./fixtures/relay-owner.mjs', import.meta.url))

/** A short lease, so that a dead instance is noticed within a test's time. */
const LEASE_MS = 900

/** One app instance: its own Redis connections, relay hub and Express server. */
interface Instance {
  readonly hub: RelayHub
  readonly url: string
  /** What the hub's `onError` received. */
  readonly errors: unknown[]
  /** Drops every open connection, as an instance that goes away behind a load balancer. */
  dropConnections(): void
}

/**
 * Starts an app instance with the three routes of the README: attach (with resume), stop, and
 * the hub to start relays with.
 */
async function instance(options: { retention?: number; lease?: number } = {}): Promise<Instance> {
  const { backplane } = await newBackplane()
  const errors: unknown[] = []
  const hub = createRelayHub({
    backplane,
    lease: LEASE_MS,
    onError: (error) => errors.push(error),
    ...options,
  })
  const app = express()
  // A dropped client reconnects after 20 ms.
  app.use(sse({ retry: 20 }))
  app.get('/relays/:id', async (req, res, next) => {
    try {
      await hub.attach(req.params.id, res.sse)
    } catch (error) {
      if (error instanceof RelayNotFoundError) res.status(404).end()
      else next(error)
    }
  })
  app.post('/relays/:id/stop', async (req, res) => {
    res.json({ stopped: await hub.stop(req.params.id, 'user') })
  })
  const server = await listen(app)
  cleanups.push(() => server.close())
  cleanups.push(() => hub.close())
  const created = {
    hub,
    url: server.url,
    errors,
    dropConnections: () => server.server.closeAllConnections(),
  }
  started.push(created)
  return created
}

/** A real EventSource on a relay, whose every (re)connection goes to the instance `via` names. */
interface Follower {
  readonly events: { id: string; data: string }[]
  /** The final `end` events received, parsed. */
  readonly ends: RelayEnd[]
  /** Each connection the client made: where it went, and the Last-Event-ID it sent. */
  readonly connections: { via: Instance; lastEventId: string | null }[]
  /** The instance the next connection goes to. */
  via: Instance
  readonly source: EventSource
}

function follow(id: string, via: Instance): Follower {
  const route = { via }
  const connections: Follower['connections'] = []
  const source = new EventSource(`http://relays.test/relays/${id}`, {
    // The load balancer: each connection, with the Last-Event-ID the client sends, goes to
    // the instance the test chose.
    fetch: (input, init) => {
      connections.push({
        via: route.via,
        lastEventId: new Headers(init.headers).get('last-event-id'),
      })
      return fetch(`${route.via.url}${new URL(input).pathname}`, init)
    },
  })
  const follower: Follower = {
    connections,
    events: [],
    ends: [],
    get via() {
      return route.via
    },
    set via(instance) {
      route.via = instance
    },
    source,
  }
  follower.source.addEventListener('message', (event) => {
    follower.events.push({ id: event.lastEventId, data: event.data as string })
  })
  follower.source.addEventListener('end', (event) => {
    follower.ends.push(JSON.parse(event.data as string) as RelayEnd)
  })
  cleanups.push(() => {
    source.close()
    return Promise.resolve()
  })
  return follower
}

/** An upstream that sends `data: <n>` for n = 1, 2, … once `go` opens, one per `everyMs`. */
function counting(total: number, everyMs: number, go = Promise.resolve()) {
  return async (call: UpstreamCall): Promise<void> => {
    call.open()
    await go
    for (let n = 1; n <= total && call.closedAt === undefined; n++) {
      await call.send({ data: String(n) })
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
    call.end()
  }
}

/** `['1', …, String(count)]`. */
function upTo(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i + 1))
}

describe('relays shared by two instances through Redis', () => {
  it('starts on one instance and delivers every event and the end to a client of the other', async () => {
    const [a, b] = [await instance(), await instance()]
    const go = latch()
    const upstream = await serveUpstream(counting(30, 1, go.promise))
    const relay = await a.hub.start({ url: upstream.url })
    const client = follow(relay.id, b)
    await waitFor(() => client.source.readyState === EventSource.OPEN, 5000, 'the connection')
    go.open()
    expect(await relay.done).toEqual({ status: 'done' })
    await waitFor(() => client.ends.length > 0, 5000, 'the end event')
    expect(client.events.map((event) => event.data)).toEqual(upTo(30))
    expect(client.events.map((event) => event.id)).toEqual(upTo(30))
    expect(client.ends).toEqual([{ status: 'done' }])
    // It reconnects with Last-Event-ID 30 and gets 204: EventSource stops for good.
    await waitFor(() => client.source.readyState === EventSource.CLOSED, 5000, '204')
    expect(client.events).toHaveLength(30)
    expect(await a.hub.get(relay.id)).toEqual({ id: relay.id, status: 'done', events: 30 })
    expect(await b.hub.get(relay.id)).toEqual({ id: relay.id, status: 'done', events: 30 })
  })

  it('tells the current event count on either instance while the relay runs', async () => {
    // No lease renewal within the test: the count cannot come from one.
    const [a, b] = [await instance({ lease: 60_000 }), await instance({ lease: 60_000 })]
    const job = controlled()
    const relay = await a.hub.start(job.producer)
    for (const data of ['1', '2', '3']) await job.send(data)
    for (const { hub } of [a, b]) {
      expect(await hub.get(relay.id)).toEqual({ id: relay.id, status: 'running', events: 3 })
    }
    job.finish()
    expect(await relay.done).toEqual({ status: 'done' })
    expect(await b.hub.get(relay.id)).toEqual({ id: relay.id, status: 'done', events: 3 })
  })

  it('answers 404 on either instance for an id no instance knows', async () => {
    const [a, b] = [await instance(), await instance()]
    for (const { url } of [a, b]) {
      expect((await fetch(`${url}/relays/nope`)).status).toBe(404)
    }
  })

  it('stops a relay through the other instance: the upstream closes at once, clients get the end', async () => {
    const [a, b] = [await instance(), await instance()]
    const upstream = await serveUpstream(counting(Infinity, 5))
    const relay = await a.hub.start({ url: upstream.url })
    const onA = follow(relay.id, a)
    const onB = follow(relay.id, b)
    await waitFor(() => onA.events.length >= 3 && onB.events.length >= 3, 5000, 'events')
    const call = await upstream.call(0)
    const stopAt = performance.now()
    const response = await fetch(`${b.url}/relays/${relay.id}/stop`, { method: 'POST' })
    expect(await response.json()).toEqual({ stopped: true })
    await call.closed
    expect(call.closedAt! - stopAt).toBeLessThan(1000)
    expect(await relay.done).toEqual({ status: 'stopped', reason: 'user' })
    for (const client of [onA, onB]) {
      await waitFor(() => client.ends.length > 0, 5000, 'the end event')
      expect(client.ends).toEqual([{ status: 'stopped', reason: 'user' }])
      expect(client.events.map((event) => event.id)).toEqual(upTo(client.events.length))
    }
    expect(await a.hub.get(relay.id)).toMatchObject({ status: 'stopped' })
    // A second stop, from either instance, finds nothing running.
    expect(await a.hub.stop(relay.id)).toBe(false)
    expect(await b.hub.stop(relay.id)).toBe(false)
  })

  it('resumes a client moved between instances with Last-Event-ID: nothing lost, nothing twice', async () => {
    const [a, b] = [await instance(), await instance()]
    const total = 150
    const upstream = await serveUpstream(counting(total, 2))
    const relay = await a.hub.start({ url: upstream.url })
    const client = follow(relay.id, b)
    // Moved eight times while the upstream keeps sending, each time to the other instance.
    for (let move = 1; move <= 8; move++) {
      const seen = client.events.length
      await waitFor(() => client.events.length >= seen + 5, 5000, 'more events')
      const from = client.via
      client.via = from === a ? b : a
      from.dropConnections()
    }
    await waitFor(() => client.ends.length > 0, 10_000, 'the end event')
    expect(client.events.map((event) => event.data)).toEqual(upTo(total))
    expect(client.events.map((event) => event.id)).toEqual(upTo(total))
    expect(client.ends).toEqual([{ status: 'done' }])
    // Nine connections, alternating between the instances, each after the first resuming.
    const made = client.connections.slice(0, 9)
    const name = (via: Instance): string => (via === a ? 'a' : 'b')
    expect(made.map(({ via }) => name(via)).join('')).toBe('babababab')
    expect(made[0]!.lastEventId).toBeNull()
    for (const { lastEventId } of made.slice(1)) expect(lastEventId).toMatch(/^[1-9]\d*$/)
  })

  it('ends clients of another instance with failed when the owner’s process is killed', async () => {
    const b = await instance()
    const owner = startNode(ownerScript, {
      REDIS_URL: redis().url,
      REDIS_PREFIX: 'test:',
      LEASE_MS: String(LEASE_MS),
      EVENT_MS: '10',
    })
    cleanups.push(() => owner.kill())
    const [, id] = await owner.until(/^relay (\S+)$/m)
    const client = follow(id!, b)
    await waitFor(() => client.events.length >= 5, 5000, 'events from the owner')
    await owner.kill()
    const killedAt = performance.now()
    await waitFor(() => client.ends.length > 0, 10_000, 'the end event')
    const noticedMs = performance.now() - killedAt
    expect(client.ends).toEqual([{ status: 'failed', reason: 'owner-lost' }])
    // The lease, a third of it between two checks, and room for a busy machine.
    expect(noticedMs).toBeLessThan(LEASE_MS * 2 + 1000)
    expect(client.events.map((event) => event.data)).toEqual(upTo(client.events.length))
    expect(await b.hub.get(id!)).toMatchObject({ status: 'failed' })
    // A client arriving later gets what was sent and the same end.
    const late = follow(id!, b)
    await waitFor(() => late.ends.length > 0, 5000, 'the end event')
    expect(late.events).toEqual(client.events)
    expect(late.ends).toEqual(client.ends)
  })

  it('leaves nothing of a relay in Redis once its retention passed', async () => {
    const [a, b] = [await instance({ retention: 300 }), await instance({ retention: 300 })]
    const admin = createClient({ url: redis().url })
    await admin.connect()
    cleanups.push(() => admin.close())
    const upstream = await serveUpstream(counting(20, 1))
    const relay = await a.hub.start({ url: upstream.url })
    const client = follow(relay.id, b)
    await waitFor(() => client.ends.length > 0, 5000, 'the end event')
    const keysOf = async (): Promise<string[]> =>
      (await admin.keys('*')).filter((key) => key.includes(relay.id))
    // The record, the log's stream and its own-id index and order.
    expect((await keysOf()).length).toBeGreaterThanOrEqual(4)
    for (let tries = 0; (await keysOf()).length > 0; tries++) {
      if (tries > 100) throw new Error(`still in Redis: ${(await keysOf()).join(', ')}`)
      await sleep(20)
    }
    expect(await b.hub.get(relay.id)).toBeUndefined()
    expect((await fetch(`${b.url}/relays/${relay.id}`)).status).toBe(404)
  })
})
