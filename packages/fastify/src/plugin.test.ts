import compress from '@fastify/compress'
import cors from '@fastify/cors'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '@ssekit/test-helpers/listen'
import { eventClientsPerTest } from '@ssekit/test-helpers/read-events'
import { startUpstream } from '@ssekit/test-helpers/upstream'
import { latch } from '@ssekit/test-helpers/latch'
import { errorLogger } from '@ssekit/test-helpers/fastify-logger'
import { collected } from '@ssekit/test-helpers/memory'
import { sse, type SseStream } from './index.js'

let app: FastifyInstance | undefined
const open = eventClientsPerTest()
afterEach(async () => {
  await app?.close()
  app = undefined
})

/** A Fastify app whose error logs land in `errors`. */
function createApp(errors: unknown[] = []): FastifyInstance {
  app = Fastify({ loggerInstance: errorLogger(errors) })
  return app
}

async function serve(instance: FastifyInstance): Promise<string> {
  return instance.listen({ port: 0, host: '127.0.0.1' })
}

describe('the sse plugin for Fastify', () => {
  it('keeps no reference to the reply while an idle stream is open', async () => {
    // Without a logger: Fastify's request logging holds the reply until the response ends.
    const fastify = (app = Fastify())
    await fastify.register(sse)
    const replies: WeakRef<object>[] = []
    const streams: SseStream[] = []
    fastify.get('/idle', (_request, reply) => {
      replies.push(new WeakRef(reply))
      streams.push(reply.sse.init())
    })
    const client = new AbortController()
    const response = await fetch(`${await serve(fastify)}/idle`, { signal: client.signal })
    expect(response.status).toBe(200)

    expect(await collected(replies[0]!)).toBe(true)
    // The stream is still open, and still learns that the client left.
    expect(streams[0]!.clientDisconnected).toBe(false)
    client.abort()
    await waitFor(() => streams[0]!.clientDisconnected)
  })

  it('serves the API example, forwarding an upstream', async () => {
    const upstream = await startUpstream(async (call) => {
      await call.send({ event: 'token', data: 'Hel' })
      await call.send({ event: 'token', data: 'lo' })
      call.end()
    })
    try {
      const fastify = createApp()
      await fastify.register(sse, { heartbeat: 15000 })
      fastify.get('/events', async (_request, reply) => {
        await reply.sse.send({ event: 'tick', data: { n: 1 } })
        await reply.sse.request({
          url: upstream.url,
          method: 'POST',
          body: { q: 'hi' },
          forward: true,
        })
        reply.sse.close()
      })
      const response = await fetch(`${await serve(fastify)}/events`)
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(await response.text()).toBe(
        'event: tick\ndata: {"n":1}\n\nevent: token\ndata: Hel\n\nevent: token\ndata: lo\n\n'
      )
      const call = await upstream.call(0)
      expect([call.method, call.text]).toEqual(['POST', '{"q":"hi"}'])
    } finally {
      await upstream.close()
    }
  })

  it('keeps headers set by @fastify/cors, hooks and the handler', async () => {
    const fastify = createApp()
    await fastify.register(cors, { origin: 'https://app.example', credentials: true })
    await fastify.register(sse)
    fastify.addHook('onRequest', async (_request, reply) => {
      reply.header('X-Request-Id', 'r-1')
    })
    fastify.get('/events', async (_request, reply) => {
      reply.header('X-Handler', 'yes')
      await reply.sse.send({ data: 'with cors' })
    })
    const url = await serve(fastify)
    const { response, reader } = await open(`${url}/events`, { origin: 'https://app.example' })
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(response.headers.get('access-control-allow-credentials')).toBe('true')
    expect(response.headers.get('x-request-id')).toBe('r-1')
    expect(response.headers.get('x-handler')).toBe('yes')
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(await reader.event(0)).toMatchObject({ data: 'with cors' })
  })

  it('delivers events one by one, uncompressed, behind @fastify/compress', async () => {
    const proceed = latch()
    const fastify = createApp()
    await fastify.register(compress, { global: true, threshold: 0 })
    await fastify.register(sse)
    fastify.get('/events', async (_request, reply) => {
      await reply.sse.send({ data: 'first' })
      await proceed.promise
      await reply.sse.send({ data: 'second' })
    })
    fastify.get('/plain', () => ({ text: 'x'.repeat(2000) }))
    const url = await serve(fastify)
    const plain = await fetch(`${url}/plain`, { headers: { 'accept-encoding': 'gzip' } })
    expect(plain.headers.get('content-encoding')).toBe('gzip')
    const { response, reader } = await open(`${url}/events`, { 'accept-encoding': 'gzip' })
    expect(response.headers.get('content-encoding')).toBeNull()
    expect(await reader.event(0)).toMatchObject({ data: 'first' })
    expect(reader.events).toHaveLength(1)
    proceed.open()
    expect(await reader.event(1)).toMatchObject({ data: 'second' })
  })

  it('starts a stream the handler read when it returns, for a producer to use later', async () => {
    const produce = latch()
    const fastify = createApp()
    await fastify.register(sse)
    fastify.get('/events', async (_request, reply) => {
      const stream: SseStream = reply.sse
      void produce.promise.then(() => stream.send({ data: 'from a producer' }))
    })
    const url = await serve(fastify)
    const { response, reader } = await open(`${url}/events`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    produce.open()
    expect(await reader.event(0)).toMatchObject({ data: 'from a producer' })
  })

  it('works with a handler that is not async', async () => {
    const fastify = createApp()
    await fastify.register(sse)
    fastify.get('/events', (_request, reply) => {
      void reply.sse.send({ data: 'sync' })
    })
    const url = await serve(fastify)
    const { reader } = await open(`${url}/events`)
    expect(await reader.event(0)).toMatchObject({ data: 'sync' })
  })

  it("lets Fastify send what a handler returns or sends instead, freeing the stream's slot", async () => {
    const fastify = createApp()
    await fastify.register(sse, { maxStreams: 1 })
    fastify.get<{ Querystring: { answer?: string } }>('/events', async (request, reply) => {
      const stream = reply.sse
      if (request.query.answer === 'send') return reply.code(404).send({ found: false })
      if (request.query.answer === 'return') return { streaming: stream.clientDisconnected }
      await stream.send({ data: 'streaming' })
      return undefined
    })
    const url = await serve(fastify)
    const sent = await fetch(`${url}/events?answer=send`)
    expect([sent.status, await sent.json()]).toEqual([404, { found: false }])
    const returned = await fetch(`${url}/events?answer=return`)
    expect([returned.status, await returned.json()]).toEqual([200, { streaming: false }])
    const { response, reader } = await open(`${url}/events`)
    expect(response.status).toBe(200)
    expect(await reader.event(0)).toMatchObject({ data: 'streaming' })
  })

  it("answers a handler's error before the stream started with Fastify's 500", async () => {
    const errors: unknown[] = []
    const failure = new Error('failed before the stream')
    let stream: SseStream | undefined
    const fastify = createApp(errors)
    await fastify.register(sse)
    fastify.get('/events', async (_request, reply) => {
      stream = reply.sse
      await Promise.resolve()
      throw failure
    })
    const url = await serve(fastify)
    const response = await fetch(`${url}/events`)
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({ message: 'failed before the stream' })
    expect(errors).toEqual([failure])
    expect(stream?.clientDisconnected).toBe(true)
  })

  it('ends the stream when the handler fails after it started, and logs the error', async () => {
    const errors: unknown[] = []
    const failure = new Error('failed mid-stream')
    const fastify = createApp(errors)
    await fastify.register(sse)
    fastify.get('/events', async (_request, reply) => {
      await reply.sse.send({ data: 'before' })
      throw failure
    })
    fastify.get('/plain', () => ({ plain: true }))
    const url = await serve(fastify)
    const { reader } = await open(`${url}/events`)
    expect(await reader.event(0)).toMatchObject({ data: 'before' })
    await reader.ended
    await waitFor(() => errors.length > 0, 5000, "Fastify's error log")
    expect(errors).toEqual([failure])
    expect(await (await fetch(`${url}/plain`)).json()).toEqual({ plain: true })
  })

  it('ends every open stream on app.close(), which then resolves', async () => {
    const fastify = createApp()
    await fastify.register(sse, { heartbeat: 0 })
    const streams: SseStream[] = []
    fastify.get('/events', async (_request, reply) => {
      streams.push(reply.sse)
      await reply.sse.send({ data: 'open' })
    })
    const url = await serve(fastify)
    const clients = await Promise.all([open(`${url}/events`), open(`${url}/events`)])
    for (const { reader } of clients) await reader.event(0)
    await fastify.close()
    app = undefined
    await Promise.all(clients.map(({ reader }) => reader.ended))
    expect(streams.map((stream) => stream.clientDisconnected)).toEqual([true, true])
  })

  it('refuses streams past the limits with 503 or 429, Retry-After and the CORS headers', async () => {
    const fastify = createApp()
    await fastify.register(cors, { origin: '*' })
    const keys: string[] = []
    await fastify.register(sse, {
      maxStreams: 2,
      maxStreamsPerClient: 1,
      clientKey: (request) => {
        keys.push(request.url)
        return String(request.headers['x-user'])
      },
    })
    const refused: boolean[] = []
    const streams: SseStream[] = []
    fastify.get('/events', async (_request, reply) => {
      streams.push(reply.sse)
      const result = await reply.sse.send({ data: 'in' })
      refused.push(result.clientDisconnected && reply.sse.signal.aborted)
    })
    const url = await serve(fastify)
    const first = await open(`${url}/events`, { 'x-user': 'a' })
    await first.reader.event(0)
    const sameUser = await fetch(`${url}/events`, { headers: { 'x-user': 'a' } })
    expect(sameUser.status).toBe(429)
    expect(sameUser.headers.get('retry-after')).toBe('5')
    expect(sameUser.headers.get('access-control-allow-origin')).toBe('*')
    expect(await sameUser.text()).toBe('')
    const second = await open(`${url}/events`, { 'x-user': 'b' })
    await second.reader.event(0)
    const full = await fetch(`${url}/events`, { headers: { 'x-user': 'c' } })
    expect(full.status).toBe(503)
    expect(full.headers.get('retry-after')).toBe('5')
    expect(refused).toEqual([false, true, false, true])
    expect(keys).toEqual(['/events', '/events', '/events'])
    await first.reader.cancel()
    await waitFor(() => streams[0]!.clientDisconnected, 5000, 'the first client gone')
    const third = await open(`${url}/events`, { 'x-user': 'c' })
    expect(third.response.status).toBe(200)
    expect(await third.reader.event(0)).toMatchObject({ data: 'in' })
  })

  it('gives reply.sse to routes of encapsulated plugins registered after it', async () => {
    const fastify = createApp()
    await fastify.register(sse)
    await fastify.register(
      (api, _options, done) => {
        api.get('/events', async (_request, reply) => {
          await reply.sse.send({ data: 'from a plugin' })
        })
        done()
      },
      { prefix: '/api' }
    )
    const url = await serve(fastify)
    const { reader } = await open(`${url}/api/events`)
    expect(await reader.event(0)).toMatchObject({ data: 'from a plugin' })
  })

  it('lets init() override the plugin options', async () => {
    const fastify = createApp()
    await fastify.register(sse, { retry: 1000, headers: { 'X-Stream': 'default' } })
    fastify.get('/events', async (_request, reply) => {
      await reply.sse.init({ retry: 2500 }).send({ data: 'x' })
    })
    const url = await serve(fastify)
    const { response, reader } = await open(`${url}/events`)
    await reader.event(0)
    expect(reader.retries).toEqual([2500])
    expect(response.headers.get('x-stream')).toBe('default')
  })
})
