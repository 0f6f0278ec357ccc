import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { createSseStream } from '../stream/stream.js'
import { createWebSink } from './web-sink.js'
import type { EndWatcher } from './response-end.js'

const decoder = new TextDecoder()

describe('createWebSink', () => {
  it('sends the frames written during one turn of the event loop as one chunk', async () => {
    const sink = createWebSink()
    const stream = createSseStream(sink, { heartbeat: 0 }).init()
    const sent = [
      stream.send({ data: 'a' }),
      stream.send({ data: 'b' }),
      stream.send({ data: 'c' }),
    ]
    expect(await Promise.all(sent)).toEqual(sent.map(() => ({ clientDisconnected: false })))
    const reader = sink.body.getReader()
    const first = await reader.read()
    expect(decoder.decode(first.value)).toBe('data: a\n\ndata: b\n\ndata: c\n\n')
    stream.close()
    expect((await reader.read()).done).toBe(true)
  })

  it('reports backpressure past the high-water mark and resumes as the reader takes chunks', async () => {
    const sink = createWebSink()
    const stream = createSseStream(sink, { heartbeat: 0 }).init()
    const data = 'x'.repeat(1000)
    const sends = Array.from({ length: 40 }, () => stream.send({ data }))
    let settled = 0
    for (const send of sends) void send.then(() => settled++)
    await new Promise((resolve) => setImmediate(resolve))
    // 16 KiB is about 16 frames: the later sends wait for the reader.
    expect(settled).toBeLessThan(40)
    const expected = `data: ${data}\n\n`.repeat(40)
    const reader = sink.body.getReader()
    let text = ''
    while (text.length < expected.length) {
      const { value } = await reader.read()
      text += decoder.decode(value)
    }
    await Promise.all(sends)
    expect(text).toBe(expected)
    stream.close()
  })

  it('sends what was written before close() ahead of the end of the body', async () => {
    const sink = createWebSink()
    const stream = createSseStream(sink, { heartbeat: 0 }).init()
    void stream.send({ event: 'last' })
    stream.close()
    const text = await new Response(sink.body).text()
    expect(text).toBe('event: last\ndata: \n\n')
  })

  it('ends the stream when the reader cancels the body', async () => {
    const sink = createWebSink()
    const stream = createSseStream(sink, { heartbeat: 0 }).init()
    // Past the high-water mark: this send waits for the reader.
    const waiting = stream.send({ data: 'x'.repeat(20_000) })
    await sink.body.cancel()
    expect(stream.signal.aborted).toBe(true)
    expect(await waiting).toEqual({ clientDisconnected: true })
    expect(await stream.send({ data: 'after' })).toEqual({ clientDisconnected: true })
  })

  it('ends the stream and the body when the destination of a hand-over is ended by someone else', async () => {
    const written: unknown[] = []
    let watcher: EndWatcher | undefined
    const destination = Object.assign(new EventEmitter(), {
      ready: true,
      writableEnded: false,
      writableLength: 0,
      writableNeedDrain: false,
      write: (chunk: unknown) => written.push(chunk) > 0,
      onEnded: (sink: EndWatcher) => {
        watcher = sink
      },
    })
    const sink = createWebSink(undefined, { handOver: destination })
    const stream = createSseStream(sink, { heartbeat: 0 }).init()
    const reader = sink.body.getReader()
    destination.writableEnded = true
    watcher?.afterEnd()
    expect(stream.signal.aborted).toBe(true)
    expect(await stream.send({ data: 'after' })).toEqual({ clientDisconnected: true })
    expect((await reader.read()).done).toBe(true)
    expect(written).toEqual([])
  })

  /** A destination for a hand-over that records what the sink writes to it. */
  function destination(): EventEmitter & {
    ready: boolean
    writableEnded: boolean
    writableLength: number
    writableNeedDrain: boolean
    written: string[]
    write: (text: string) => boolean
    onEnded: (watcher: EndWatcher) => void
  } {
    const written: string[] = []
    return Object.assign(new EventEmitter(), {
      ready: true,
      writableEnded: false,
      writableLength: 0,
      writableNeedDrain: false,
      written,
      write: (text: string) => written.push(text) > 0,
      onEnded: () => undefined,
    })
  }

  it('writes to a hand-over destination once the reader it gave out waits on an empty queue', async () => {
    const target = destination()
    const sink = createWebSink(undefined, { handOver: target })
    const stream = createSseStream(sink, { heartbeat: 0 }).init()
    await stream.send({ data: 'a' })
    // The turn is over: the frame is in the body's queue before the server takes a reader.
    await new Promise((resolve) => setImmediate(resolve))
    const reader = sink.body.getReader()
    expect(decoder.decode((await reader.read()).value)).toBe('data: a\n\n')
    // The server wrote what it read and waits for more: the next frames bypass the body.
    const waiting = reader.read()
    await stream.send({ data: 'b' })
    await new Promise((resolve) => setImmediate(resolve))
    expect(target.written).toEqual(['data: b\n\n'])
    stream.close()
    expect((await waiting).done).toBe(true)
  })

  it('joins the frames of a fast producer into writes of 64 KiB once handed over', async () => {
    const target = destination()
    const sink = createWebSink(undefined, { handOver: target })
    const stream = createSseStream(sink, { heartbeat: 0 }).init()
    const reader = sink.body.getReader()
    // The server waits on the empty queue: the next frames go to the destination.
    const waiting = reader.read()
    await stream.send({ data: 'first' })
    await new Promise((resolve) => setImmediate(resolve))
    expect(target.written).toEqual(['data: first\n\n'])
    const frame = { data: 'x'.repeat(1024) }
    for (let i = 0; i < 200; i++) void stream.send(frame)
    await new Promise((resolve) => setImmediate(resolve))
    const sizes = target.written.slice(1).map((text) => text.length)
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(200 * 1032)
    // Batches leave when full: none smaller than 64 KiB but the last, and none larger than
    // 64 KiB plus one frame.
    for (const size of sizes.slice(0, -1)) {
      expect(size).toBeGreaterThanOrEqual(64 * 1024)
      expect(size).toBeLessThan(64 * 1024 + 1032)
    }
    stream.close()
    expect((await waiting).done).toBe(true)
  })

  it('keeps a body piped through a transform on the web path', async () => {
    const target = destination()
    const sink = createWebSink(undefined, { handOver: target })
    const stream = createSseStream(sink, { heartbeat: 0 }).init()
    const reader = sink.body.pipeThrough(new TransformStream()).getReader()
    const first = reader.read()
    await stream.send({ data: 'a' })
    expect(decoder.decode((await first).value)).toBe('data: a\n\n')
    const second = reader.read()
    await stream.send({ data: 'b' })
    expect(decoder.decode((await second).value)).toBe('data: b\n\n')
    expect(target.written).toEqual([])
    stream.close()
  })
})
