import { afterEach, describe, expect, it, vi } from 'vitest'
import { sleep, waitFor } from '@ssekit/test-helpers/listen'
import { usedMemory } from '@ssekit/test-helpers/memory'
import {
  client,
  controlled,
  ids,
  relayHubs,
  runningRelay,
} from '../../../../test/helpers/relay-client.js'
import { upstreamPerTest } from '@ssekit/test-helpers/upstream'
import type { Backplane, RelayStore } from '../channel/backplane.js'
import { createMemoryBackplane } from '../channel/memory-backplane.js'
import { SseUpstreamError } from '../upstream/errors.js'
import { RelayNotFoundError } from './errors.js'
import { createRelayHub } from './hub.js'

const serveUpstream = upstreamPerTest()

const hub = relayHubs()
afterEach(() => {
  vi.useRealTimers()
})

/** A backplane an instance stops reaching, as when its process dies: calls never settle. */
function dyingBackplane(shared: Backplane & RelayStore): {
  backplane: Backplane & RelayStore
  die: () => void
} {
  let dead = false
  const never = new Promise<never>(() => undefined)
  const live = <Args extends unknown[], Result>(
    method: (...args: Args) => Result
  ): ((...args: Args) => Result) => {
    return (...args) => (dead ? (never as Result) : method(...args))
  }
  return {
    backplane: {
      publish: live(shared.publish.bind(shared)),
      subscribe: shared.subscribe.bind(shared),
      replay: live(shared.replay.bind(shared)),
      createRelay: live(shared.createRelay.bind(shared)),
      readRelay: live(shared.readRelay.bind(shared)),
      updateRelay: live(shared.updateRelay.bind(shared)),
    },
    die: () => {
      dead = true
    },
  }
}

describe('a relay of an upstream', () => {
  it('resolves once the upstream answered, and relays its events with the relay ids', async () => {
    const upstream = await serveUpstream(async (call) => {
      await call.send({ event: 'token', id: 'up-1', data: 'Hel' })
      await call.send({ event: 'token', id: 'up-2', data: 'lo' })
      call.end()
    })
    const relays = hub()
    const relay = await relays.start({ url: upstream.url })
    expect(await relay.done).toEqual({ status: 'done' })
    const c = client()
    await relays.attach(relay.id, c.stream)
    // Events of one read of the upstream may travel in one write.
    expect(c.io.slice(1, -2).join('')).toBe(
      'event: token\nid: 1\ndata: Hel\n\nevent: token\nid: 2\ndata: lo\n\n'
    )
  })

  it('rejects as sseRequest does when the upstream refuses, and no relay exists', async () => {
    const upstream = await serveUpstream((call) => {
      call.open(500, { 'content-type': 'text/plain' })
      call.end('no')
    })
    const relays = hub()
    await expect(relays.start({ url: upstream.url }, { id: 'refused' })).rejects.toBeInstanceOf(
      SseUpstreamError
    )
    expect(await relays.get('refused')).toBeUndefined()
  })

  it('refuses forward with a TypeError before any request', async () => {
    const upstream = await serveUpstream((call) => call.end())
    const relays = hub()
    await expect(relays.start({ url: upstream.url, forward: true })).rejects.toThrow(/"forward"/)
    expect(upstream.calls).toHaveLength(0)
  })

  it('closes the upstream when nobody attached for orphanTimeout', async () => {
    const upstream = await serveUpstream(async (call) => {
      await call.send({ data: 'first' })
    })
    const relays = hub({ orphanTimeout: 100 })
    const relay = await relays.start({ url: upstream.url })
    const call = await upstream.call(0)
    await call.closed
    expect(await relay.done).toEqual({ status: 'stopped', reason: 'orphaned' })
  })

  it('with orphanTimeout Infinity, runs to completion with nobody attached', async () => {
    const orphaned = await serveUpstream(async (call) => {
      await call.send({ data: 'first' })
    })
    const finite = hub({ orphanTimeout: 50 })
    const relays = hub({ orphanTimeout: Infinity })
    const ticks: string[] = []
    const relay = await relays.start(
      async ({ send }) => {
        // Goes on well past the finite hub's orphanTimeout, which stops its relay meanwhile.
        const other = await finite.start({ url: orphaned.url })
        await (
          await orphaned.call(0)
        ).closed
        ticks.push(JSON.stringify(await other.done))
        for (let n = 0; n < 20; n++) {
          await send({ data: String(n) })
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      },
      { id: 'long' }
    )
    expect(await relay.done).toEqual({ status: 'done' })
    expect(ticks).toEqual(['{"status":"stopped","reason":"orphaned"}'])
    expect(await relays.get(relay.id)).toEqual({ id: 'long', status: 'done', events: 20 })
  })

  it('does not stop a relay whose client stays attached past orphanTimeout', async () => {
    const relays = hub({ orphanTimeout: 50 })
    const { relay, job } = await runningRelay(relays)
    const c = client()
    const attached = relays.attach(relay.id, c.stream)
    for (let n = 0; n < 10; n++) {
      await job.send(String(n))
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    job.finish()
    expect(await attached).toEqual({ clientDisconnected: false, end: { status: 'done' } })
    expect(ids(c.io)).toHaveLength(10)
  })
})

describe('a relay that fails', () => {
  it('ends failed when its producer throws, and reports the error', async () => {
    const errors: unknown[] = []
    const relays = hub({ onError: (error) => errors.push(error) })
    const relay = await relays.start(async ({ send }) => {
      await send({ data: 'one' })
      throw new Error('boom')
    })
    expect(await relay.done).toEqual({ status: 'failed', reason: 'producer-error' })
    expect(errors).toEqual([new Error('boom')])
    const c = client()
    await relays.attach(relay.id, c.stream)
    expect(c.io.slice(-2)).toEqual([
      'event: end\ndata: {"status":"failed","reason":"producer-error"}\n\n',
      'end',
    ])
  })

  it('ends failed for clients elsewhere when the instance running it dies', async () => {
    const shared = createMemoryBackplane()
    const dying = dyingBackplane(shared)
    const owner = createRelayHub({ backplane: dying.backplane, lease: 300, onError: () => {} })
    const other = hub({ backplane: shared, lease: 300 })
    const { relay, job } = await runningRelay(owner, 1)
    const c = client()
    const attached = other.attach(relay.id, c.stream)
    await job.send('2')
    dying.die()
    const diedAt = Date.now()
    expect(await attached).toEqual({
      clientDisconnected: false,
      end: { status: 'failed', reason: 'owner-lost' },
    })
    // The lease, plus at most one check interval (a third of it), plus scheduling slack.
    expect(Date.now() - diedAt).toBeLessThan(300 + 100 + 1000)
    expect(ids(c.io)).toEqual(['1', '2'])
    // The count of its log, not of its last lease renewal.
    expect(await other.get(relay.id)).toEqual({ id: relay.id, status: 'failed', events: 2 })
  })
})

describe('the bounds of a relay hub', () => {
  it('ends a relay failed with log-full when its log would pass maxEvents', async () => {
    const relays = hub({ maxEvents: 3, onError: () => {} })
    const relay = await relays.start(async ({ send, signal }) => {
      for (let n = 1; n <= 5 && !signal.aborted; n++) await send({ data: String(n) })
    })
    expect(await relay.done).toEqual({ status: 'failed', reason: 'log-full' })
    const c = client()
    await relays.attach(relay.id, c.stream)
    expect(ids(c.io)).toEqual(['1', '2', '3'])
  })

  it('ends a relay failed with log-full when its log would pass maxBytes', async () => {
    const relays = hub({ maxBytes: 100, onError: () => {} })
    const relay = await relays.start(async ({ send }) => {
      await send({ data: 'x'.repeat(60) })
      await send({ data: 'y'.repeat(60) })
    })
    expect(await relay.done).toEqual({ status: 'failed', reason: 'log-full' })
    expect(await relays.get(relay.id)).toEqual({ id: relay.id, status: 'failed', events: 1 })
  })

  it('refuses a start beyond maxRelays with an error that names it', async () => {
    const relays = hub({ maxRelays: 2 })
    const { relay: first, job } = await runningRelay(relays)
    await runningRelay(relays)
    await expect(relays.start(controlled().producer)).rejects.toThrow(/maxRelays/)
    job.finish()
    await first.done
    await expect(relays.start(() => undefined)).resolves.toHaveProperty('id')
  })

  it('forgets a finished relay after retention', async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    })
    const relays = hub({ retention: 1000 })
    const relay = await relays.start(({ send }) => send({ data: 'kept' }))
    await relay.done
    await vi.advanceTimersByTimeAsync(999)
    expect(await relays.get(relay.id)).toEqual({ id: relay.id, status: 'done', events: 1 })
    await vi.advanceTimersByTimeAsync(1)
    expect(await relays.get(relay.id)).toBeUndefined()
    await expect(relays.attach(relay.id, client().stream)).rejects.toBeInstanceOf(
      RelayNotFoundError
    )
  })

  it('refuses a taken id', async () => {
    const relays = hub()
    const job = controlled()
    await relays.start(job.producer, { id: 'taken' })
    await expect(relays.start(controlled().producer, { id: 'taken' })).rejects.toThrow(/exists/)
  })

  it('returns memory to its baseline once relays end and their retention passes', async () => {
    const relays = hub({ retention: 200 })
    const run = async (): Promise<string[]> => {
      const started = await Promise.all(
        Array.from({ length: 200 }, () =>
          relays.start(async ({ send }) => {
            for (let n = 0; n < 50; n++) await send({ data: `event ${n} ${'x'.repeat(200)}` })
          })
        )
      )
      // Each relay had a client, attached while it ran or after its end.
      await Promise.all(started.map((relay) => relays.attach(relay.id, client().stream)))
      return started.map((relay) => relay.id)
    }
    // A first round warms up what is allocated once (compiled code, pools).
    for (const id of await run()) {
      while ((await relays.get(id)) !== undefined) await sleep(10)
    }
    const before = usedMemory()
    const ids = await run()
    const retained = usedMemory() - before
    // 200 relays of 50 events of ~220 bytes: over 2 MB while retained.
    expect(retained).toBeGreaterThan(2 * 1024 * 1024)
    // Nothing reads the relays meanwhile: their expiry alone releases them.
    await waitFor(
      () => (usedMemory() - before < 512 * 1024 ? true : undefined),
      10_000,
      'memory back to its baseline'
    )
    expect(await relays.get(ids[0]!)).toBeUndefined()
  })
})

describe('createRelayHub arguments', () => {
  it('names backplane when it cannot keep relays', () => {
    const channelsOnly = { publish() {}, subscribe() {}, replay() {} }
    expect(() =>
      createRelayHub({ backplane: channelsOnly as unknown as Backplane & RelayStore })
    ).toThrow(/"backplane"/)
  })

  it.each([
    ['orphanTimeout', -1],
    ['retention', Infinity],
    ['maxEvents', 0],
    ['maxBytes', 1.5],
    ['maxRelays', '3'],
    ['lease', 5],
  ])('names %s when it is %s', (name, value) => {
    expect(() => createRelayHub({ [name]: value })).toThrow(`"${name}"`)
  })

  it('refuses invalid ids, streams and cursors with TypeErrors', async () => {
    const relays = hub()
    await expect(relays.start(() => undefined, { id: '' })).rejects.toThrow(TypeError)
    await expect(relays.attach('x', {} as never)).rejects.toThrow(/"stream"/)
    await expect(relays.attach('x', client().stream, { lastEventId: 3 as never })).rejects.toThrow(
      /"lastEventId"/
    )
    await expect(relays.stop(42 as never)).rejects.toThrow(TypeError)
  })
})
