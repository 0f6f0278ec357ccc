import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, sleep, waitFor, type Listening } from '@ssekit/test-helpers/listen'
import { rawGet } from '@ssekit/test-helpers/raw-client'
import { createNodeSink } from '../sink/node-sink.js'
import type { SseStreamOptions } from './options.js'
import { createSseStream, type SendResult, type SseStream } from './stream.js'

describe('stream lifetime', () => {
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function serve(options: SseStreamOptions): Promise<{
    server: Listening
    next: () => Promise<SseStream>
  }> {
    const streams: SseStream[] = []
    const server = await listen((req, res) => {
      streams.push(createSseStream(createNodeSink(req, res), options).init())
    })
    cleanups.push(() => server.close())
    return { server, next: () => waitFor(() => streams.shift(), 5000, 'a server-side stream') }
  }

  it('gives up on a client that takes nothing for sendTimeout, and aborts the signal', async () => {
    const { server, next } = await serve({ sendTimeout: 300, heartbeat: 0 })
    const client = rawGet(server.url)
    cleanups.push(() => client.socket.destroy())
    const stream = await next()
    await client.until('\r\n\r\n')
    client.socket.pause()
    const chunk = 'x'.repeat(64 * 1024)
    let blocked: { sent: Promise<SendResult>; since: number } | undefined
    for (let i = 0; i < 2000 && blocked === undefined; i++) {
      const sent = stream.send({ data: chunk })
      const since = Date.now()
      const settled = await Promise.race([sent.then(() => true), sleep(50).then(() => false)])
      if (!settled) blocked = { sent, since }
    }
    expect(blocked).toBeDefined()
    expect(await blocked!.sent).toEqual({ clientDisconnected: true })
    const waited = Date.now() - blocked!.since
    expect(waited).toBeGreaterThanOrEqual(250)
    expect(waited).toBeLessThan(5000)
    expect(stream.clientDisconnected).toBe(true)
    expect(stream.signal.aborted).toBe(true)
    client.socket.resume()
    await client.closed
  })

  /**
   * A TCP proxy between client and server that can lose its client silently, as a vanished
   * NAT entry or a crashed host does: no FIN reaches the server, and the next bytes the
   * server sends are answered with a reset.
   */
  async function vanishingProxy(target: string): Promise<{ url: string; vanish: () => void }> {
    const { port } = new URL(target)
    const pairs: { client: net.Socket; upstream: net.Socket }[] = []
    let vanished = false
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(port), '127.0.0.1')
      pairs.push({ client, upstream })
      client.on('data', (chunk) => upstream.write(chunk))
      upstream.on('data', (chunk) => {
        if (vanished) upstream.resetAndDestroy()
        else client.write(chunk)
      })
      client.on('error', () => undefined)
      upstream.on('error', () => undefined)
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const { client, upstream } of pairs) {
            client.destroy()
            upstream.destroy()
          }
          proxy.close(() => resolve())
        })
    )
    return {
      url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`,
      vanish: () => {
        vanished = true
        for (const { client } of pairs) client.destroy()
      },
    }
  }

  it('notices a client that vanished without a FIN through the heartbeat, and only through it', async () => {
    const quiet = await serve({ heartbeat: 0 })
    const beating = await serve({ heartbeat: 100 })
    const quietProxy = await vanishingProxy(quiet.server.url)
    const beatingProxy = await vanishingProxy(beating.server.url)
    const quietClient = rawGet(quietProxy.url)
    const beatingClient = rawGet(beatingProxy.url)
    const quietStream = await quiet.next()
    const beatingStream = await beating.next()
    await quietClient.until('\r\n\r\n')
    await beatingClient.until('\r\n\r\n')
    quietProxy.vanish()
    beatingProxy.vanish()
    const noticed = new Promise((resolve) => {
      beatingStream.signal.addEventListener('abort', resolve, { once: true })
    })
    await noticed
    expect(beatingStream.clientDisconnected).toBe(true)
    // Vanished at the same moment, with nothing written to find out: still taken for alive.
    expect(quietStream.clientDisconnected).toBe(false)
  })

  it('ends the stream after maxDuration with the final event, so the client reconnects', async () => {
    const { server, next } = await serve({
      maxDuration: 200,
      finalEvent: { event: 'bye', data: 'reconnect please', retry: 10 },
    })
    const started = Date.now()
    const client = rawGet(server.url, ['Connection: close'])
    const stream = await next()
    await stream.send({ data: 'hello' })
    await client.closed
    // It ends in the last tenth of maxDuration, at random.
    expect(Date.now() - started).toBeGreaterThanOrEqual(175)
    expect(client.body()).toMatch(
      /data: hello\n\nevent: bye\nretry: 10\ndata: reconnect please\n\n/
    )
    expect(stream.clientDisconnected).toBe(true)
  })

  it('rejects an invalid final event when the options are given', () => {
    expect(() =>
      createSseStream(
        createNodeSink(
          { headers: {}, httpVersionMajor: 1 } as never,
          {
            on: () => undefined,
          } as never
        ),
        { finalEvent: { id: 'a\nb' } }
      )
    ).toThrow(/"finalEvent" is not a valid event/)
  })
})
