import net from 'node:net'
import type { ServerResponse } from 'node:http'
import v8 from 'node:v8'
import vm from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, waitFor, type Listening } from '@ssekit/test-helpers/listen'
import { createNodeSink } from '../sink/node-sink.js'
import type { SlowClientPolicy } from './options.js'
import { createSseStream, type SendResult, type SseStream } from './stream.js'

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

const MiB = 1024 * 1024
const TOTAL = 100 * MiB
const EVENT_DATA = 'x'.repeat(64 * 1024)
const FRAME_BYTES = EVENT_DATA.length + 'data: \n\n'.length
const BOUND = 1 * MiB

/** Server-side memory that grows with buffered response data: heap plus buffers. */
function usedMemory(): number {
  gc()
  const { heapUsed, external, arrayBuffers } = process.memoryUsage()
  return heapUsed + external + arrayBuffers
}

/** A raw TCP client that requests the stream and then stops reading. */
async function stalledClient(
  url: string,
  keepText = false
): Promise<{ resume: () => Promise<number>; text: () => string }> {
  const { port } = new URL(url)
  const socket = net.connect(Number(port), '127.0.0.1')
  socket.setNoDelay(true)
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n'
  )
  let received = 0
  let text = ''
  const onData = (chunk: Buffer): void => {
    received += chunk.length
    if (keepText) text += chunk.toString('latin1')
  }
  socket.on('data', onData)
  await waitFor(() => received > 0, 5000, 'the response headers')
  socket.pause()
  return {
    /** Reads everything until the server closes, returning the bytes received in all. */
    resume: async () => {
      const closed = new Promise((resolve) => socket.once('close', resolve))
      socket.resume()
      await closed
      return received
    },
    text: () => text,
  }
}

interface ServedStream {
  stream: SseStream
  res: ServerResponse
}

describe('a client that stops reading', () => {
  let server: Listening | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  async function serve(slowClient: SlowClientPolicy): Promise<() => Promise<ServedStream>> {
    const served: ServedStream[] = []
    server = await listen((req, res) => {
      const stream = createSseStream(createNodeSink(req, res), {
        maxBufferedBytes: BOUND,
        slowClient,
        heartbeat: 0,
      })
      served.push({ stream: stream.init(), res })
    })
    return () => waitFor(() => served.shift(), 5000, 'the server-side stream')
  }

  it(`holds a sender that awaits to the bound while 100 MiB are sent, then delivers it all`, async () => {
    const next = await serve('wait')
    const client = await stalledClient(server!.url)
    const { stream, res } = await next()
    const before = usedMemory()
    let maxBuffered = 0
    let sent = 0
    let waiting = false
    const producer = (async () => {
      for (let i = 0; sent < TOTAL; i++) {
        waiting = true
        const result = await stream.send({ data: EVENT_DATA })
        waiting = false
        expect(result).toEqual({ clientDisconnected: false })
        sent += FRAME_BYTES
        maxBuffered = Math.max(maxBuffered, res.writableLength)
      }
      stream.close()
    })()
    // The producer ran into the stalled socket: its send waits while the response waits for
    // a drain that cannot come before the client reads.
    await waitFor(() => waiting && res.writableNeedDrain, 10_000, 'the producer to be held')
    const stalledAt = sent
    const peak = usedMemory() - before
    expect(stalledAt).toBeLessThan(TOTAL)
    expect(maxBuffered).toBeLessThanOrEqual(BOUND + FRAME_BYTES)
    expect(peak).toBeLessThan(BOUND + 16 * MiB)
    const received = await client.resume()
    await producer
    expect(sent).toBeGreaterThanOrEqual(TOTAL)
    expect(received).toBeGreaterThan(sent)
  })

  it('drops a sender that does not await once 100 MiB would exceed the bound', async () => {
    const next = await serve('disconnect')
    const client = await stalledClient(server!.url)
    const { stream, res } = await next()
    const before = usedMemory()
    let maxBuffered = 0
    const results: Promise<SendResult>[] = []
    for (let sent = 0; sent < TOTAL; sent += FRAME_BYTES) {
      results.push(stream.send({ data: EVENT_DATA }))
      maxBuffered = Math.max(maxBuffered, res.writableLength)
    }
    const growth = usedMemory() - before
    const settled = await Promise.all(results)
    expect(stream.clientDisconnected).toBe(true)
    expect(settled.at(-1)).toEqual({ clientDisconnected: true })
    const delivered = settled.filter((result) => !result.clientDisconnected).length
    expect(delivered * FRAME_BYTES).toBeLessThan(TOTAL / 4)
    expect(maxBuffered).toBeLessThanOrEqual(BOUND + FRAME_BYTES)
    expect(growth).toBeLessThan(BOUND + 16 * MiB)
    // The connection was dropped, not left to drain.
    expect(await client.resume()).toBeLessThan(TOTAL)
  })

  it('holds back a sender that does not await under the wait policy, then delivers in order', async () => {
    const next = await serve('wait')
    const client = await stalledClient(server!.url, true)
    const { stream, res } = await next()
    const count = 160 // 10 MiB: enough to pass the bound and the kernel's buffers
    let maxBuffered = 0
    // What the response holds, after every write the stream makes, from the burst to the end.
    const write = res.write.bind(res) as (chunk: string) => boolean
    res.write = ((chunk: string) => {
      const ok = write(chunk)
      maxBuffered = Math.max(maxBuffered, res.writableLength)
      return ok
    }) as typeof res.write
    const results: Promise<SendResult>[] = []
    for (let i = 0; i < count; i++) {
      results.push(stream.send({ id: String(i), data: EVENT_DATA }))
    }
    expect(maxBuffered).toBeLessThanOrEqual(BOUND + FRAME_BYTES)
    expect(stream.clientDisconnected).toBe(false)
    const done = Promise.all(results).then((settled) => {
      stream.close()
      return settled
    })
    const received = await client.resume()
    expect((await done).every((result) => !result.clientDisconnected)).toBe(true)
    expect(maxBuffered).toBeLessThanOrEqual(BOUND + FRAME_BYTES)
    expect(received).toBeGreaterThan(count * FRAME_BYTES)
    const ids = [...client.text().matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]))
    expect(ids).toEqual(Array.from({ length: count }, (_, i) => i))
  })
})
