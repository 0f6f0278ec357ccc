import { describe, expect, it } from 'vitest'
import { recordingSink } from '@ssekit/test-helpers/recording-sink'
import { createChannel, type Channel } from './channel.js'
import { createMemoryBackplane } from './memory-backplane.js'
import { createSseStream } from '../stream/stream.js'

/** What a client resuming from `lastEventId` receives from `channel`, frame by frame. */
async function resume(channel: Channel, lastEventId: string): Promise<string[]> {
  const sink = recordingSink()
  await channel.subscribe(createSseStream(sink, { heartbeat: 0 }), { lastEventId }).ready
  return sink.io.filter((call) => call.startsWith('write ')).map((call) => call.slice(6))
}

async function broadcastAll(channel: Channel, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 1; i <= count; i++) {
    ids.push((await channel.broadcast({ data: `${prefix}${i}` })).id!)
  }
  return ids
}

describe('a channel given another channel’s id as Last-Event-ID', () => {
  it.each([
    ['sharing a memory backplane', true],
    ['each with its own memory backplane', false],
  ])('resyncs the client instead of skipping events (%s)', async (_name, shared) => {
    const backplane = shared ? createMemoryBackplane() : undefined
    const a = createChannel('a', { backplane })
    const b = createChannel('b', { backplane })
    const aIds = await broadcastAll(a, 'a', 3)
    const bIds = await broadcastAll(b, 'b', 5)

    const frames = await resume(b, aIds[2]!)
    expect(frames).toEqual([`event: resync\nid: ${bIds[4]}\ndata: not-in-history\n\n`])
    // Its own ids still resume where they should.
    expect(await resume(b, bIds[2]!)).toEqual([
      `id: ${bIds[3]}\ndata: b4\n\n`,
      `id: ${bIds[4]}\ndata: b5\n\n`,
    ])
  })

  it('finds an event’s own id only in its own channel, as the user gave it', async () => {
    const backplane = createMemoryBackplane()
    const a = createChannel('a', { backplane })
    const b = createChannel('b', { backplane })
    await a.broadcast({ id: 'shared-1', data: 'a1' })
    await b.broadcast({ id: 'shared-1', data: 'b1' })
    await b.broadcast({ data: 'b2' })
    expect(await resume(b, 'shared-1')).toEqual([expect.stringMatching(/data: b2\n\n$/)])
  })
})
