import {
  createChannel,
  createMemoryBackplane,
  createRelayHub,
  type Backplane,
  type RelayHub,
} from '@ssekit/core'
import type { RelayStore } from '@ssekit/core/backplane'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '@ssekit/test-helpers/listen'
import { redisInstances } from '@ssekit/test-helpers/redis-instances'
import { useRedisServer } from '@ssekit/test-helpers/redis-server'
import { client, controlled, ids } from './helpers/relay-client.js'

const redis = useRedisServer()
const { newBackplane } = redisInstances(redis)

const hubs: RelayHub[] = []
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()))
})

/** The data of the events a client received, in order. */
function data(io: readonly string[]): string[] {
  return io.flatMap((frames) => [...frames.matchAll(/^data: (.*)$/gm)].map((match) => match[1]!))
}

const backplanes: { name: string; make: () => Promise<Backplane & RelayStore> }[] = [
  { name: 'the in-process backplane', make: () => Promise.resolve(createMemoryBackplane()) },
  { name: 'a Redis backplane', make: async () => (await newBackplane()).backplane },
]

describe.each(backplanes)('relay and app channels on $name', ({ make }) => {
  it('keeps channels named like a relay’s log and presence apart from that relay', async () => {
    const backplane = await make()
    const relays = createRelayHub({ backplane, retention: 100 })
    hubs.push(relays)
    const id = 'answer'
    const log = createChannel(`relay:${id}`, { backplane })
    const presence = createChannel(`relay-clients:${id}`, { backplane })
    const listener = client()
    await log.subscribe(listener.stream).ready
    const job = controlled()
    const relay = await relays.start(job.producer, { id })
    await job.send('from the relay')
    const first = await log.broadcast({ data: 'from the channel' })
    await presence.broadcast({ data: 'from the other channel' })
    await waitFor(() => (data(listener.io).length > 0 ? true : undefined), 5000, 'the broadcast')
    // The relay's event went out before the broadcast: it would have arrived first.
    expect(data(listener.io)).toEqual(['from the channel'])

    const follower = client()
    const attached = relays.attach(relay.id, follower.stream)
    job.finish()
    await attached
    expect(data(follower.io)).toEqual(['from the relay', '{"status":"done"}'])
    expect(ids(follower.io)).toEqual(['1'])

    // Once the relay is forgotten, the channel's history is still there to resume from.
    await log.broadcast({ data: 'later' })
    await waitFor(
      async () => ((await relays.get(id)) === undefined ? true : undefined),
      5000,
      'the relay to expire'
    )
    const resumed = client(first.id)
    const subscription = log.subscribe(resumed.stream)
    await subscription.ready
    await waitFor(() => (data(resumed.io).length > 0 ? true : undefined), 5000, 'the replay')
    expect(data(resumed.io)).toEqual(['later'])
  })

  it('refuses a channel name that starts like ssekit’s own, naming the field', async () => {
    const backplane = await make()
    expect(() => createChannel('\u0000relay:answer', { backplane })).toThrow(TypeError)
    expect(() => createChannel('\u0000relay:answer', { backplane })).toThrow(/channel name/)
  })
})
