import { afterEach, describe, expect, it, vi } from 'vitest'
import { client, controlled } from '../../../../test/helpers/relay-client.js'
import type { Backplane, RelayState, RelayStore } from '../channel/backplane.js'
import { createMemoryBackplane } from '../channel/memory-backplane.js'
import { createRelayHub } from './hub.js'

afterEach(() => {
  vi.useRealTimers()
})

/**
 * A backplane whose lease renewals land only when the test lets them, as over a slow network;
 * every write is recorded when it lands.
 */
function slowRenewals(): {
  backplane: Backplane & RelayStore
  writes: string[]
  land: () => void
  pending: () => number
} {
  const memory = createMemoryBackplane()
  const writes: string[] = []
  const held: (() => void)[] = []
  const updateRelay = (id: string, state: RelayState, ttl: number): Promise<boolean> | boolean => {
    if (state.status !== 'running') {
      writes.push(`state ${state.status}`)
      return memory.updateRelay(id, state, ttl)
    }
    return new Promise((resolve) => {
      held.push(() => {
        writes.push('renewal')
        resolve(memory.updateRelay(id, state, ttl))
      })
    })
  }
  return {
    backplane: {
      publish: (channel, record, history) => {
        writes.push(`publish ${channel.includes('clients') ? 'presence' : 'log'}`)
        return memory.publish(channel, record, history)
      },
      subscribe: memory.subscribe.bind(memory),
      replay: memory.replay.bind(memory),
      createRelay: memory.createRelay.bind(memory),
      readRelay: memory.readRelay.bind(memory),
      updateRelay,
    },
    writes,
    land: () => {
      for (const write of held.splice(0)) write()
    },
    pending: () => held.length,
  }
}

describe('closing a relay hub', () => {
  it('waits for a lease renewal under way, and writes nothing once it resolved', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] })
    const store = slowRenewals()
    const relays = createRelayHub({ backplane: store.backplane, lease: 30 })
    const relay = await relays.start(controlled().producer)
    // The renewal every third of the lease.
    await vi.advanceTimersByTimeAsync(10)
    expect(store.pending()).toBe(1)
    let closed = false
    const closing = relays.close().then(() => {
      closed = true
      store.writes.push('closed')
    })
    expect(await relay.done).toEqual({ status: 'stopped', reason: 'shutdown' })
    await vi.advanceTimersByTimeAsync(0)
    expect(closed).toBe(false)
    store.land()
    await closing
    await vi.advanceTimersByTimeAsync(1000)
    expect(store.writes.slice(store.writes.indexOf('closed'))).toEqual(['closed'])
    expect(store.writes).toContain('renewal')
  })

  it('closes the stream of a client whose replay it was reading, for a relay run elsewhere', async () => {
    const backplane = createMemoryBackplane()
    const owner = createRelayHub({ backplane })
    const closing = createRelayHub({ backplane })
    const job = controlled()
    const relay = await owner.start(job.producer)
    await job.send('1')
    const c = client()
    const attached = closing.attach(relay.id, c.stream)
    await closing.close()
    expect(await attached).toEqual({ clientDisconnected: true })
    expect(c.io.at(-1)).toBe('end')
    await owner.close()
  })
})
