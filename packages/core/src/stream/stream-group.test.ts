import { afterEach, describe, expect, it } from 'vitest'
import { listen, waitFor } from '@ssekit/test-helpers/listen'
import { rawGet, type RawClient } from '@ssekit/test-helpers/raw-client'
import { createNodeSink } from '../sink/node-sink.js'
import { createSseStream, type SseStream } from './stream.js'
import { createStreamGroup, type SseStreamGroup } from './stream-group.js'

const STREAMS = 1000
const GRACE_MS = 2000

describe('SseStreamGroup.closeAll', () => {
  let server: Awaited<ReturnType<typeof listen>> | undefined
  const clients: RawClient[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy()
    await server?.close()
    server = undefined
  })

  async function serveGroup(group: SseStreamGroup): Promise<SseStream[]> {
    const streams: SseStream[] = []
    server = await listen((req, res) => {
      const stream = createSseStream(createNodeSink(req, res), { group })
      streams.push(stream)
      void stream.send({ event: 'hello' })
    })
    return streams
  }

  it(`ends ${STREAMS} open streams with a final event so server.close() finishes in the grace period`, async () => {
    const group = createStreamGroup()
    const streams = await serveGroup(group)
    for (let i = 0; i < STREAMS; i++) clients.push(rawGet(server!.url))
    await waitFor(() => streams.length === STREAMS, 20_000, 'every stream to open')
    await Promise.all(clients.map((client) => client.until('event: hello')))
    expect(group.size).toBe(STREAMS)

    const started = Date.now()
    const serverClosed = new Promise<void>((resolve) => {
      void group.closeAll({ event: { event: 'shutdown', data: 'restarting' }, grace: GRACE_MS })
      server!.server.close(() => resolve())
    })
    await serverClosed
    expect(Date.now() - started).toBeLessThan(GRACE_MS + 1000)
    server = undefined
    await Promise.all(clients.map((client) => client.closed))
    // The final event, then the stream's reconnection delay, jittered over the default spread.
    const received = clients.filter((client) => {
      const delay = /event: shutdown\ndata: restarting\n\nretry: (\d+)\n\n$/.exec(client.body())
      return delay !== null && Number(delay[1]) < 10_000
    })
    expect(received).toHaveLength(STREAMS)
    expect(group.size).toBe(0)
    expect(streams.every((stream) => stream.clientDisconnected)).toBe(true)
  })

  it('drops a client that stopped reading once the grace period is over', async () => {
    const group = createStreamGroup()
    const streams = await serveGroup(group)
    const stuck = rawGet(server!.url)
    clients.push(stuck)
    const stream = await waitFor(() => streams[0], 5000, 'the stream')
    await stuck.until('event: hello')
    stuck.socket.pause()
    const chunk = 'x'.repeat(64 * 1024)
    // Leave more unsent than the kernel buffers hold, but less than the slow-client bound.
    while (!stream.clientDisconnected) {
      const sent = stream.send({ data: chunk })
      const settled = await Promise.race([sent.then(() => true), sleep(50)])
      if (!settled) break
    }
    const started = Date.now()
    await group.closeAll({ grace: 300 })
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(250)
    expect(took).toBeLessThan(3000)
    stuck.socket.resume()
    await stuck.closed
  })

  it('ends streams that start after closeAll at once, with the final event', async () => {
    const group = createStreamGroup()
    await serveGroup(group)
    await group.closeAll({ event: { event: 'shutdown' }, grace: 100 })
    const late = rawGet(server!.url, ['Connection: close'])
    clients.push(late)
    await late.closed
    expect(late.body()).toContain('event: shutdown\ndata: \n\n')
  })

  it('rejects an invalid final event or grace period', async () => {
    const group = createStreamGroup()
    await expect(group.closeAll({ event: { event: 'a\nb' } })).rejects.toThrow(TypeError)
    await expect(group.closeAll({ grace: -1 })).rejects.toThrow(/"grace"/)
  })
})

function sleep(ms: number): Promise<false> {
  return new Promise((resolve) => setTimeout(() => resolve(false), ms))
}
