import { afterEach, describe, expect, it, vi } from 'vitest'
import { controlled, relayHubs, runningRelay } from '../../../../test/helpers/relay-client.js'
import type { Backplane, RelayStore } from '../channel/backplane.js'
import { createMemoryBackplane } from '../channel/memory-backplane.js'

const hub = relayHubs()
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

/** A backplane that cannot renew leases: updates of a running relay reject. */
function failingRenewals(): Backplane & RelayStore {
  const memory = createMemoryBackplane()
  return {
    publish: memory.publish.bind(memory),
    subscribe: memory.subscribe.bind(memory),
    replay: memory.replay.bind(memory),
    createRelay: memory.createRelay.bind(memory),
    readRelay: memory.readRelay.bind(memory),
    updateRelay: (id, state, ttl) =>
      state.status === 'running'
        ? Promise.reject(new Error('connection reset'))
        : memory.updateRelay(id, state, ttl),
  }
}

describe('the errors of relays', () => {
  it('logs a failed lease renewal as such, by default, and the relay runs on', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] })
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const relays = hub({ backplane: failingRenewals(), lease: 30 })
    const { relay } = await runningRelay(relays)
    await vi.advanceTimersByTimeAsync(10)
    expect(logged).toHaveBeenCalledWith(
      `Relay ${relay.id} runs on, but renewing its lease failed (tried again at the next renewal):`,
      new Error('connection reset')
    )
    expect(String(logged.mock.calls[0]?.[0])).not.toMatch(/ failed:$/)
    expect(await relays.get(relay.id)).toMatchObject({ status: 'running' })
  })

  it('logs what ended a relay failed as its failure, by default', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const relays = hub()
    const relay = await relays.start(() => {
      throw new Error('boom')
    })
    expect(await relay.done).toEqual({ status: 'failed', reason: 'producer-error' })
    expect(logged).toHaveBeenCalledWith(`Relay ${relay.id} failed:`, new Error('boom'))
  })

  it('tells onError what each error did, and survives an onError that throws', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] })
    const kinds: string[] = []
    const relays = hub({
      backplane: failingRenewals(),
      lease: 30,
      onError: (_error, _id, kind) => {
        kinds.push(kind)
        throw new Error('handler broke')
      },
    })
    const job = controlled()
    const relay = await relays.start(async (context) => {
      await job.producer(context)
      throw new Error('boom')
    })
    await vi.advanceTimersByTimeAsync(10)
    job.finish()
    expect(await relay.done).toEqual({ status: 'failed', reason: 'producer-error' })
    expect(kinds).toEqual(['lease-renewal', 'failed'])
  })
})
