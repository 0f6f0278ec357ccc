import { afterEach, describe, expect, it } from 'vitest'
import { sleep, waitFor } from '@ssekit/test-helpers/listen'
import {
  transports,
  type Served,
  type StreamHandler,
  type Transport,
} from '@ssekit/test-helpers/transports'
import type { SendResult, SseStream } from './stream.js'
import type { SseStreamOptions } from './options.js'

describe.each(transports)('SseStream over $name', (transport: Transport) => {
  let served: Served | undefined
  afterEach(async () => {
    await served?.close()
    served = undefined
  })

  async function serve(handler: StreamHandler, options?: SseStreamOptions): Promise<Served> {
    served = await transport.serve(handler, options)
    return served
  }

  /** Hands each server-side stream to the test, started unless `init` is false. */
  function capture(init = true): { handler: StreamHandler; next: () => Promise<SseStream> } {
    const streams: SseStream[] = []
    return {
      handler: (stream) => {
        if (init) stream.init()
        streams.push(stream)
      },
      next: () => waitFor(() => streams.shift(), 5000, 'a server-side stream'),
    }
  }

  it('sends the SSE headers before the first event', async () => {
    const { handler, next } = capture(false)
    const { open } = await serve(handler)
    const opening = open()
    const stream = await next()
    stream.init()
    const client = await opening
    expect(client.status).toBe(200)
    expect(client.header('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(client.header('cache-control')).toBe('no-cache')
    expect(client.header('x-accel-buffering')).toBe('no')
    expect(client.header('content-length')).toBeNull()
    if (transport.name === 'http1') expect(client.header('connection')).toBe('keep-alive')
    else expect(client.header('connection')).toBeNull()
    expect(client.reader.events).toEqual([])
    await stream.send({ event: 'first', data: 'after headers' })
    expect(await client.reader.event(0)).toMatchObject({ event: 'first', data: 'after headers' })
  })

  it('starts the stream on the first send without an explicit init', async () => {
    const { open } = await serve((stream) => stream.send({ data: 'hello' }))
    const client = await open()
    expect(client.header('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(await client.reader.event(0)).toMatchObject({ data: 'hello' })
  })

  it('delivers multi-line, JSON and 1 MiB events intact and in order', async () => {
    const big = 'x'.repeat(1024 * 1024 - 7) + '\n' + 'ü'.repeat(3)
    const { open } = await serve(async (stream) => {
      await stream.send({ event: 'lines', id: 'a', data: 'one\ntwo\r\nthree\rfour' })
      await stream.send({ data: { nested: { list: [1, 2] }, text: 'a\nb' } })
      await stream.send({ event: 'big', data: big })
      await stream.send({ event: 'after' })
    })
    const client = await open()
    expect(await client.reader.event(0)).toEqual({
      event: 'lines',
      id: 'a',
      data: 'one\ntwo\nthree\nfour',
    })
    expect(JSON.parse((await client.reader.event(1)).data)).toEqual({
      nested: { list: [1, 2] },
      text: 'a\nb',
    })
    expect((await client.reader.event(2)).data).toBe(big)
    expect(await client.reader.event(3)).toMatchObject({ event: 'after', data: '' })
  })

  it('sends the retry option once when the stream starts', async () => {
    const { open } = await serve((stream) => stream.send({ data: 'x' }), { retry: 2500 })
    const client = await open()
    await client.reader.event(0)
    expect(client.reader.retries).toEqual([2500])
    expect(client.reader.raw().startsWith('retry: 2500\n\n')).toBe(true)
  })

  it('exposes the Last-Event-ID request header', async () => {
    const { handler, next } = capture()
    const { open } = await serve(handler)
    void open({ 'last-event-id': 'evt-41' })
    expect((await next()).lastEventId).toBe('evt-41')
    void open()
    expect((await next()).lastEventId).toBeUndefined()
  })

  it('sends a heartbeat comment on an idle stream', async () => {
    const { open } = await serve((stream) => stream.init(), { heartbeat: 40 })
    const client = await open()
    const comments = await client.reader.comment(2, 2000)
    expect(comments.slice(0, 2)).toEqual(['', ''])
    expect(client.reader.events).toEqual([])
  })

  it('sends no heartbeat while events flow', async () => {
    const { handler, next } = capture()
    const { open } = await serve(handler, { heartbeat: 60 })
    const opening = open()
    const stream = await next()
    const client = await opening
    for (let i = 0; i < 30; i++) {
      await stream.send({ data: String(i) })
      await sleep(10)
    }
    await client.reader.event(29)
    expect(client.reader.comments).toEqual([])
    expect((await client.reader.comment(1, 2000))[0]).toBe('')
  })

  it('resolves sends after the client left with clientDisconnected, and aborts the signal', async () => {
    const { handler, next } = capture()
    const { open } = await serve(handler)
    const opening = open()
    const stream = await next()
    const client = await opening
    expect(await stream.send({ data: 'before' })).toEqual({ clientDisconnected: false })
    await client.reader.event(0)
    const signal = stream.signal
    expect(signal.aborted).toBe(false)
    await client.disconnect()
    await waitFor(() => stream.clientDisconnected, 5000, 'the disconnect')
    expect(signal.aborted).toBe(true)
    expect((signal.reason as DOMException).name).toBe('AbortError')
    const results: SendResult[] = []
    for (let i = 0; i < 3; i++) results.push(await stream.send({ data: 'after' }))
    results.push(await stream.comment('after'))
    expect(results.every((result) => result.clientDisconnected)).toBe(true)
  })

  /** Sends 64 KiB events without reading until one send is held back by backpressure. */
  async function fillUntilBlocked(stream: SseStream): Promise<{ blocked: Promise<SendResult> }> {
    const chunk = 'y'.repeat(64 * 1024)
    for (let i = 0; i < 1000; i++) {
      const sent = stream.send({ id: String(i), data: chunk })
      const settled = await Promise.race([sent.then(() => true), sleep(30).then(() => false)])
      // Wrapped: an async function returning a promise would wait for it.
      if (!settled) return { blocked: sent }
    }
    throw new Error('no send ever waited: backpressure is not applied')
  }

  it('makes an awaited send wait while the client is not reading, then delivers everything', async () => {
    const { handler, next } = capture()
    const { open } = await serve(handler, { slowClient: 'wait' })
    const opening = open({}, true)
    const stream = await next()
    const client = await opening
    const { blocked } = await fillUntilBlocked(stream)
    client.reader.resume()
    expect(await blocked).toEqual({ clientDisconnected: false })
    await stream.send({ event: 'done' })
    const events = client.reader.events
    await waitFor(() => events.at(-1)?.event === 'done', 10_000, 'the last event')
    expect(events.slice(0, -1).map((event) => event.id)).toEqual(
      events.slice(0, -1).map((_event, i) => String(i))
    )
  })

  it('settles a send that waits on backpressure when the client leaves', async () => {
    const { handler, next } = capture()
    const { open } = await serve(handler)
    const opening = open({}, true)
    const stream = await next()
    const client = await opening
    const { blocked } = await fillUntilBlocked(stream)
    await client.disconnect()
    expect(await blocked).toEqual({ clientDisconnected: true })
    await waitFor(() => stream.clientDisconnected, 5000, 'the disconnect')
  })

  it('ends the response on close(), and later sends are not written', async () => {
    const { handler, next } = capture()
    const { open } = await serve(handler)
    const opening = open()
    const stream = await next()
    const client = await opening
    await stream.send({ data: 'last' })
    const signal = stream.signal
    stream.close()
    stream.close()
    await client.reader.ended
    expect(client.reader.events.map((event) => event.data)).toEqual(['last'])
    expect(signal.aborted).toBe(true)
    expect(stream.clientDisconnected).toBe(true)
    expect(await stream.send({ data: 'late' })).toEqual({ clientDisconnected: true })
  })

  it('rejects an invalid event with a TypeError and keeps the stream usable', async () => {
    const { handler, next } = capture()
    const { open } = await serve(handler)
    const opening = open()
    const stream = await next()
    const client = await opening
    await expect(stream.send({ id: '1\ndata: forged' })).rejects.toThrow(TypeError)
    await expect(stream.comment(42 as unknown as string)).rejects.toThrow(TypeError)
    await stream.send({ data: 'fine' })
    expect(await client.reader.event(0)).toMatchObject({ data: 'fine' })
    expect(client.reader.events).toHaveLength(1)
  })
})
