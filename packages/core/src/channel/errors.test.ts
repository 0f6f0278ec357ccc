import { describe, expect, it } from 'vitest'
import { recordingSink, type RecordingSink } from '@ssekit/test-helpers/recording-sink'
import type { Backplane } from './backplane.js'
import { createChannel } from './channel.js'
import type { SubscribeOptions } from './options.js'
import { createMemoryBackplane } from './memory-backplane.js'
import { createSseStream } from '../stream/stream.js'

/** A stream on a recording sink, subscribed to `channel`. */
async function subscribed(
  channel: ReturnType<typeof createChannel>,
  options?: SubscribeOptions
): Promise<RecordingSink> {
  const sink = recordingSink()
  await channel.subscribe(createSseStream(sink, { heartbeat: 0 }), options).ready
  return sink
}

/** A memory backplane whose publish or replay fails as given. */
function failingBackplane(fail: { publish?: unknown; replay?: unknown }): Backplane {
  const inner = createMemoryBackplane()
  return {
    publish: (...args) =>
      'publish' in fail ? Promise.reject(fail.publish) : inner.publish(...args),
    subscribe: (...args) => inner.subscribe(...args),
    replay: (...args) => ('replay' in fail ? Promise.reject(fail.replay) : inner.replay(...args)),
  }
}

describe('a channel’s onError', () => {
  it('hears once per broadcast of a filter that throws for 1,000 subscribers', async () => {
    const errors: unknown[] = []
    const channel = createChannel('news', { onError: (error) => errors.push(error) })
    const bug = new Error('filter bug')
    const throwing: RecordingSink[] = []
    for (let i = 0; i < 1000; i++) {
      throwing.push(
        await subscribed(channel, {
          filter: () => {
            throw bug
          },
        })
      )
    }
    const healthy = await subscribed(channel)

    await channel.broadcast({ data: 'one' })
    expect(errors).toHaveLength(1)
    const error = errors[0] as Error
    expect(error.message).toMatch(/Channel "news": subscriber filters threw 1000 times/)
    expect(error.message).toMatch(/filter bug/)
    expect(error.cause).toBe(bug)

    await channel.broadcast({ data: 'two' })
    expect(errors).toHaveLength(2)
    expect(healthy.io.filter((call) => call.startsWith('write id:'))).toHaveLength(2)
    expect(throwing.every((sink) => !sink.io.some((call) => call.includes('data: one')))).toBe(true)
  })

  it('hears of a backplane that fails every broadcast a bounded number of times, with a message', async () => {
    const errors: unknown[] = []
    const channel = createChannel('news', {
      backplane: failingBackplane({ publish: new Error('') }),
      onError: (error) => errors.push(error),
    })
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => channel.broadcast({ data: String(i) }))
    )
    expect(results.every((result) => !result.published)).toBe(true)
    expect(errors).toHaveLength(1)
    expect((errors[0] as Error).message).toMatch(/Channel "news": broadcast failed: Error/)
  })

  it('hears of failed replays a bounded number of times, while each client gets the resync event', async () => {
    const errors: unknown[] = []
    const failure = new Error('history unavailable')
    const channel = createChannel('news', {
      backplane: failingBackplane({ replay: failure }),
      onError: (error) => errors.push(error),
    })
    const sinks: RecordingSink[] = []
    for (let i = 0; i < 100; i++) sinks.push(await subscribed(channel, { lastEventId: '1-1' }))
    expect(errors).toEqual([failure])
    for (const sink of sinks)
      expect(sink.io.at(-1)).toBe('write event: resync\ndata: backplane\n\n')
  })
})
