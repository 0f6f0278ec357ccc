import http from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { listen, sleep, waitFor, type Listening } from '@ssekit/test-helpers/listen'
import { readEvents } from '@ssekit/test-helpers/read-events'
import { createNodeSink } from './node-sink.js'
import { createSseStream, type SendResult, type SseStream } from '../stream/stream.js'

describe('createNodeSink', () => {
  let server: Listening | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('keeps headers set by earlier middleware and lets options override the defaults', async () => {
    server = await listen((req, res) => {
      res.setHeader('Access-Control-Allow-Origin', 'https://app.example')
      res.setHeader('Content-Length', '12')
      createSseStream(createNodeSink(req, res), {
        headers: { 'Cache-Control': 'no-store', 'X-Stream': 'ticks' },
      }).init()
    })
    const abort = new AbortController()
    const response = await fetch(server.url, { signal: abort.signal })
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('x-stream')).toBe('ticks')
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(response.headers.get('content-length')).toBeNull()
    abort.abort()
  })

  it("costs an open stream's response no function of its own: its listeners and end are shared", async () => {
    const responses: http.ServerResponse[] = []
    server = await listen((req, res) => {
      responses.push(res)
      createSseStream(createNodeSink(req, res)).init()
    })
    const clients = [new AbortController(), new AbortController()]
    for (const client of clients) await fetch(server.url, { signal: client.signal })
    const [first, second] = responses as [http.ServerResponse, http.ServerResponse]
    const endOf = (res: http.ServerResponse): unknown => Reflect.get(res, 'end')
    expect(endOf(first)).toBe(endOf(second))
    expect(Object.hasOwn(first, 'end')).toBe(true)
    for (const event of ['close', 'drain']) {
      expect(first.listenerCount(event)).toBeGreaterThan(0)
      expect(first.listeners(event)).toEqual(second.listeners(event))
    }
    for (const client of clients) client.abort()
  })

  it('does not promise keep-alive to a client that asked to close', async () => {
    server = await listen((req, res) => {
      const stream = createSseStream(createNodeSink(req, res))
      void stream.send({ data: 'only' }).then(() => {
        stream.close()
      })
    })
    const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1')
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
    let text = ''
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()))
    // The server ends the connection itself once the stream is closed.
    await new Promise((resolve) => socket.once('close', resolve))
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(text).toMatch(/\r\nConnection: close\r\n/i)
    expect(text).not.toMatch(/keep-alive/i)
    expect(text).toContain('data: only\n\n')
  })

  it('lets init options override the middleware options once, and ignores later ones', async () => {
    server = await listen((req, res) => {
      const stream = createSseStream(createNodeSink(req, res), { retry: 1000 })
      stream.init({ retry: 3000, headers: { 'X-From': 'init' } })
      stream.init({ retry: 9000 })
      void stream.send({ data: 'x' })
    })
    const abort = new AbortController()
    const response = await fetch(server.url, { signal: abort.signal })
    const reader = readEvents(response.body!)
    await reader.event(0)
    expect(reader.retries).toEqual([3000])
    expect(response.headers.get('x-from')).toBe('init')
    abort.abort()
  })

  it('rejects invalid options with a TypeError naming the option', () => {
    const req = { headers: {}, httpVersionMajor: 1 } as unknown as http.IncomingMessage
    const res = { on: () => res } as unknown as http.ServerResponse
    const sink = (): ReturnType<typeof createNodeSink> => createNodeSink(req, res)
    expect(() => createSseStream(sink(), { heartbeat: -1 })).toThrow(/"heartbeat"/)
    expect(() => createSseStream(sink(), { heartbeat: 2 ** 31 })).toThrow(/"heartbeat"/)
    expect(() => createSseStream(sink(), { retry: 1.5 })).toThrow(/"retry"/)
    expect(() => createSseStream(sink(), { maxBufferedBytes: NaN })).toThrow(/"maxBufferedBytes"/)
    expect(() => createSseStream(sink(), { slowClient: 'drop' as 'wait' })).toThrow(/"slowClient"/)
    expect(() => createSseStream(sink(), { headers: { 'X-Bad': 'a\r\nSet-Cookie: x' } })).toThrow(
      /"X-Bad" in "headers" must not contain CR, LF/
    )
    expect(() => createSseStream(sink(), { headers: { 'Bad Name': 'x' } })).toThrow(TypeError)
  })

  it('fails to start when the response has already started, without writing a frame', async () => {
    let failure: unknown
    server = await listen((req, res) => {
      res.writeHead(204).end()
      createSseStream(createNodeSink(req, res))
        .send({ data: 'never' })
        .catch((error: unknown) => (failure = error))
    })
    const response = await fetch(server.url)
    expect(response.status).toBe(204)
    await waitFor(() => failure, 2000, 'the rejection')
    expect(String(failure)).toMatch(/headers were already sent/)
  })

  it('turns Nagle off and suspends the socket timeout while streaming', async () => {
    let stream: SseStream | undefined
    const noDelay = vi.fn()
    const base = http.createServer((req, res) => {
      const socket = req.socket
      const setNoDelay = socket.setNoDelay.bind(socket)
      socket.setNoDelay = (value?: boolean) => {
        noDelay(value)
        return setNoDelay(value)
      }
      stream = createSseStream(createNodeSink(req, res), { heartbeat: 0 })
      stream.init()
    })
    base.timeout = 150
    server = await listen(base)
    const response = await fetch(server.url)
    const reader = readEvents(response.body!)
    // Idle for longer than the server's socket timeout: the stream must survive.
    await sleep(400)
    await stream!.send({ data: 'still here' })
    expect(await reader.event(0)).toMatchObject({ data: 'still here' })
    expect(noDelay).toHaveBeenCalledWith(true)
    stream!.close()
    await reader.ended
  })

  it('drops a client that stopped reading when the stream is closed', async () => {
    let stream: SseStream | undefined
    let closed = false
    server = await listen((req, res) => {
      stream = createSseStream(createNodeSink(req, res), { maxBufferedBytes: 64 * 1024 }).init()
      res.on('close', () => (closed = true))
    })
    const abort = new AbortController()
    await fetch(server.url, { signal: abort.signal })
    const s = await waitFor(() => stream, 2000, 'the stream')
    const chunk = 'z'.repeat(256 * 1024)
    // Fill the kernel buffers and then some, without the client reading.
    for (let i = 0; i < 200 && !s.clientDisconnected; i++) {
      const sent = s.send({ data: chunk })
      const settled = await Promise.race([sent.then(() => true), sleep(20).then(() => false)])
      if (!settled) break
    }
    s.close()
    await waitFor(() => closed, 2000, 'the connection to close')
    abort.abort()
  })

  it('writes the first frame of a turn at once and the rest of the turn in one write', async () => {
    const writes: string[] = []
    server = await listen((req, res) => {
      const write = res.write.bind(res) as (chunk: string) => boolean
      const stream = createSseStream(createNodeSink(req, res), { heartbeat: 0 }).init()
      res.write = ((chunk: string) => {
        writes.push(chunk)
        return write(chunk)
      }) as typeof res.write
      void (async () => {
        for (let i = 0; i < 100; i++) await stream.send({ id: String(i), data: 'x' })
        stream.close()
      })()
    })
    const reader = readEvents((await fetch(server.url)).body!)
    await reader.ended
    expect(reader.events.map((event) => event.id)).toEqual(
      Array.from({ length: 100 }, (_, i) => String(i))
    )
    expect(writes).toEqual(['id: 0\ndata: x\n\n', expect.stringMatching(/^id: 1\n[^]*id: 99\n/)])
  })

  it('joins the frames of a fast producer into writes of 64 KiB', async () => {
    const writes: number[] = []
    const data = 'x'.repeat(1000)
    server = await listen((req, res) => {
      const write = res.write.bind(res) as (chunk: string) => boolean
      const stream = createSseStream(createNodeSink(req, res), { heartbeat: 0 }).init()
      res.write = ((chunk: string) => {
        writes.push(chunk.length)
        return write(chunk)
      }) as typeof res.write
      void (async () => {
        for (let i = 0; i < 500; i++) await stream.send({ data })
        stream.close()
      })()
    })
    const reader = readEvents((await fetch(server.url)).body!)
    await reader.ended
    expect(reader.events).toHaveLength(500)
    // After the turn's first frame, batches leave when full: none smaller than 64 KiB but the
    // last, and none larger than 64 KiB plus one frame.
    const batches = writes.slice(1, -1)
    expect(batches.length).toBeGreaterThan(2)
    for (const bytes of batches) {
      expect(bytes).toBeGreaterThanOrEqual(64 * 1024)
      expect(bytes).toBeLessThan(64 * 1024 + 1024)
    }
  })

  it('sends the frames of the turn before the app ends the response itself', async () => {
    server = await listen((req, res) => {
      const stream = createSseStream(createNodeSink(req, res), { heartbeat: 0 })
      void (async () => {
        for (const data of ['a', 'b', 'c']) await stream.send({ data })
        res.end()
      })()
    })
    const reader = readEvents((await fetch(server.url)).body!)
    await reader.ended
    expect(reader.events.map((event) => event.data)).toEqual(['a', 'b', 'c'])
  })

  it('writes nothing to a response ended without its end method, and ends the stream', async () => {
    const uncaught: unknown[] = []
    const record = (error: unknown): void => {
      uncaught.push(error)
    }
    process.on('uncaughtException', record)
    let outcome: { result: SendResult; aborted: boolean } | undefined
    server = await listen((req, res) => {
      const stream = createSseStream(createNodeSink(req, res), { heartbeat: 0 }).init()
      void (async () => {
        await stream.send({ data: 'a' })
        // A turn later, the send below is the first of its turn: it writes at once.
        await new Promise((resolve) => setImmediate(resolve))
        http.ServerResponse.prototype.end.call(res, '', 'utf8')
        const result = await stream.send({ data: 'b' })
        outcome = { result, aborted: stream.signal.aborted }
      })()
    })
    try {
      const reader = readEvents((await fetch(server.url)).body!)
      await reader.ended
      const { result, aborted } = await waitFor(() => outcome, 2000, 'the send after the end')
      expect(result).toEqual({ clientDisconnected: true })
      expect(aborted).toBe(true)
      expect(reader.events.map((event) => event.data)).toEqual(['a'])
      expect(uncaught).toEqual([])
    } finally {
      process.off('uncaughtException', record)
    }
  })
})
