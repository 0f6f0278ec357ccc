import { describe, expect, it } from 'vitest'
import { relayLogChannel } from '../channel/backplane.js'
import { createMemoryBackplane } from '../channel/memory-backplane.js'
import { eventFrame, eventsRecord, logLimits } from './records.js'
import { RelayNotFoundError } from './errors.js'
import { client, ids, relayHubs, runningRelay } from '../../../../test/helpers/relay-client.js'

const hub = relayHubs()

describe('a relay hub', () => {
  it('relays a producer to a client: every event with the relay id, then the end', async () => {
    const relays = hub()
    const relay = await relays.start(async ({ send }) => {
      for (const word of ['a', 'b', 'c']) await send({ event: 'word', data: word, id: 'own' })
    })
    expect(relay.id).toMatch(/^[0-9a-f]{32}$/)
    expect(await relay.done).toEqual({ status: 'done' })
    const c = client()
    expect(await relays.attach(relay.id, c.stream)).toEqual({
      clientDisconnected: false,
      end: { status: 'done' },
    })
    expect(c.io).toEqual([
      'open',
      'event: word\nid: 1\ndata: a\n\n',
      'event: word\nid: 2\ndata: b\n\n',
      'event: word\nid: 3\ndata: c\n\n',
      'event: end\ndata: {"status":"done"}\n\n',
      'end',
    ])
    expect(await relays.get(relay.id)).toEqual({ id: relay.id, status: 'done', events: 3 })
  })

  it('replays after the cursor, then follows live, then ends with stop', async () => {
    const relays = hub()
    const { relay, job } = await runningRelay(relays, 3)
    const c = client('1')
    const attached = relays.attach(relay.id, c.stream)
    await job.send('4')
    expect(await relays.get(relay.id)).toEqual({ id: relay.id, status: 'running', events: 4 })
    expect(await relays.stop(relay.id, 'user')).toBe(true)
    expect(job.signal().aborted).toBe(true)
    expect(await attached).toEqual({
      clientDisconnected: false,
      end: { status: 'stopped', reason: 'user' },
    })
    expect(ids(c.io)).toEqual(['2', '3', '4'])
    expect(c.io.at(-2)).toBe('event: end\ndata: {"status":"stopped","reason":"user"}\n\n')
    expect(await relays.stop(relay.id)).toBe(false)
    expect(await relay.done).toEqual({ status: 'stopped', reason: 'user' })
  })

  it('answers 204 to a client that has every event of a finished relay', async () => {
    const relays = hub()
    const relay = await relays.start(({ send }) => send({ data: 'only' }))
    await relay.done
    const c = client('1')
    expect(await relays.attach(relay.id, c.stream)).toEqual({
      clientDisconnected: false,
      end: { status: 'done' },
    })
    expect(c.io).toEqual(['204'])
  })

  it('rejects an unknown id with RelayNotFoundError before the stream starts', async () => {
    const relays = hub()
    const c = client()
    const error = await relays.attach('nope', c.stream).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(RelayNotFoundError)
    expect((error as RelayNotFoundError).id).toBe('nope')
    expect(c.io).toEqual([])
    expect(await relays.get('nope')).toBeUndefined()
  })

  it('lets a client leave without stopping the relay', async () => {
    const relays = hub()
    const { relay, job } = await runningRelay(relays, 1)
    const c = client()
    const attached = relays.attach(relay.id, c.stream)
    await job.send('2')
    c.leave()
    expect(await attached).toEqual({ clientDisconnected: true })
    expect(job.signal().aborted).toBe(false)
    job.finish()
    expect(await relay.done).toEqual({ status: 'done' })
  })

  it('sends a resync event, then the whole log, to a cursor that is not one of its ids', async () => {
    const relays = hub()
    const relay = await relays.start(async ({ send }) => {
      await send({ data: 'a' })
      await send({ data: 'b' })
    })
    await relay.done
    const c = client('1700000000000-3')
    await relays.attach(relay.id, c.stream)
    expect(c.io[1]).toBe('event: resync\ndata: not-in-log\n\n')
    expect(ids(c.io)).toEqual(['1', '2'])
  })
})

describe('hubs sharing a backplane, as instances do', () => {
  /** Two hubs on one backplane, and a relay the first runs that sent `count` events. */
  async function runningOnOwner(count: number) {
    const backplane = createMemoryBackplane()
    const owner = hub({ backplane })
    const other = hub({ backplane })
    return { backplane, owner, other, ...(await runningRelay(owner, count)) }
  }

  it('stops a relay run by the other hub', async () => {
    const { other, relay, job } = await runningOnOwner(1)
    const c = client()
    const attached = other.attach(relay.id, c.stream)
    await job.send('2')
    expect(await other.stop(relay.id, 'from elsewhere')).toBe(true)
    expect(job.signal().aborted).toBe(true)
    expect(await relay.done).toEqual({ status: 'stopped', reason: 'from elsewhere' })
    expect(await attached).toEqual({
      clientDisconnected: false,
      end: { status: 'stopped', reason: 'from elsewhere' },
    })
    expect(ids(c.io)).toEqual(['1', '2'])
  })

  it('tells the current event count on the other hub, between lease renewals', async () => {
    const { other, relay, job } = await runningOnOwner(0)
    expect(await other.get(relay.id)).toEqual({ id: relay.id, status: 'running', events: 0 })
    for (const data of ['1', '2', '3']) await job.send(data)
    expect(await other.get(relay.id)).toEqual({ id: relay.id, status: 'running', events: 3 })
    job.finish()
    await relay.done
    expect(await other.get(relay.id)).toEqual({ id: relay.id, status: 'done', events: 3 })
  })

  it('resumes a client on the other hub from its cursor', async () => {
    const { owner, other, relay, job } = await runningOnOwner(4)
    const first = client()
    const leaving = owner.attach(relay.id, first.stream)
    await job.send('5')
    first.leave()
    await leaving
    const resumed = client('2')
    const attached = other.attach(relay.id, resumed.stream)
    await job.send('6')
    job.finish()
    expect(await attached).toEqual({ clientDisconnected: false, end: { status: 'done' } })
    expect(ids(resumed.io)).toEqual(['3', '4', '5', '6'])
  })

  it('ignores events the owner published after the other hub ended the relay', async () => {
    const { backplane, other, relay } = await runningOnOwner(1)
    expect(await other.stop(relay.id)).toBe(true)
    // What a remote owner that had not heard of the stop yet could still publish.
    backplane.publish(
      relayLogChannel(relay.id),
      eventsRecord(2, eventFrame(2, { data: '2' })),
      logLimits(9, 999)
    )
    const complete = client('1')
    await other.attach(relay.id, complete.stream)
    expect(complete.io).toEqual(['204'])
    const fresh = client()
    await other.attach(relay.id, fresh.stream)
    expect(ids(fresh.io)).toEqual(['1'])
  })
})
