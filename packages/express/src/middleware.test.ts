import compression from 'compression'
import cors from 'cors'
import express, { type ErrorRequestHandler, type Express } from 'express'
import { createRequire } from 'node:module'
import request from 'supertest'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { listen, waitFor, type Listening } from '@ssekit/test-helpers/listen'
import { eventClientsPerTest } from '@ssekit/test-helpers/read-events'
import { startUpstream } from '@ssekit/test-helpers/upstream'
import { sse, type SseStream } from './index.js'
import { latch } from '@ssekit/test-helpers/latch'

// Express 4, installed under an alias, to check the adapter against both majors.
const express4 = createRequire(import.meta.url)('express4') as typeof express

let server: Listening | undefined
const open = eventClientsPerTest()
afterEach(async () => {
  await server?.close()
  server = undefined
  vi.restoreAllMocks()
})

async function serve(app: Express): Promise<string> {
  server = await listen(app)
  return server.url
}

describe('sse() for Express', () => {
  it('serves the API example', async () => {
    const upstream = await startUpstream(async (call) => {
      await call.send({ event: 'token', data: 'Hel' })
      await call.send({ event: 'token', data: 'lo' })
      call.end()
    })
    const url = upstream.url
    try {
      const app = express()
      app.use(sse({ heartbeat: 15000 }))
      app.get('/events', async (req, res) => {
        res.sse.init()
        await res.sse.send({ event: 'tick', data: { n: 1 } })
        await res.sse.request({ url, method: 'POST', body: { q: 'hi' }, forward: true })
        res.sse.close()
      })
      const response = await fetch(`${await serve(app)}/events`)
      expect(await response.text()).toBe(
        'event: tick\ndata: {"n":1}\n\nevent: token\ndata: Hel\n\nevent: token\ndata: lo\n\n'
      )
      const call = await upstream.call(0)
      expect([call.method, call.text]).toEqual(['POST', '{"q":"hi"}'])
    } finally {
      await upstream.close()
    }
  })

  it('keeps headers set by earlier middleware such as cors()', async () => {
    const app = express()
    app.use(cors({ origin: 'https://app.example', credentials: true }))
    app.use(sse())
    app.get('/events', async (_req, res) => {
      res.setHeader('X-Request-Id', 'r-1')
      await res.sse.send({ data: 'with cors' })
    })
    const url = await serve(app)
    const { response, reader } = await open(`${url}/events`, { origin: 'https://app.example' })
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(response.headers.get('access-control-allow-credentials')).toBe('true')
    expect(response.headers.get('vary')).toBe('Origin')
    expect(response.headers.get('x-request-id')).toBe('r-1')
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(await reader.event(0)).toMatchObject({ data: 'with cors' })
  })

  it('delivers events one by one behind compression()', async () => {
    const proceed = latch()
    const app = express()
    app.use(compression())
    app.use(sse())
    app.get('/events', async (_req, res) => {
      await res.sse.send({ data: 'first' })
      await proceed.promise
      await res.sse.send({ data: 'second' })
    })
    const url = await serve(app)
    const { response, reader } = await open(`${url}/events`, { 'accept-encoding': 'gzip' })
    expect(response.headers.get('content-encoding')).toBe('gzip')
    expect(await reader.event(0)).toMatchObject({ data: 'first' })
    expect(reader.events).toHaveLength(1)
    proceed.open()
    expect(await reader.event(1)).toMatchObject({ data: 'second' })
  })

  it('keeps the stream open after the handler returns, for a producer to use', async () => {
    const app = express()
    app.use(sse())
    app.get('/events', (_req, res) => {
      res.sse.init()
      const stream: SseStream = res.sse
      setTimeout(() => void stream.send({ data: 'from a producer' }), 20)
    })
    const url = await serve(app)
    const { reader } = await open(`${url}/events`)
    expect(await reader.event(0)).toMatchObject({ data: 'from a producer' })
  })

  it('passes an error thrown after init to Express, which closes the connection', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const failure = new Error('failed mid-stream')
    let stream: SseStream | undefined
    const app = express()
    app.set('env', 'development')
    app.use(sse())
    app.get('/events', async (_req, res) => {
      stream = res.sse
      await res.sse.send({ data: 'before' })
      throw failure
    })
    app.get('/next', (_req, res) => {
      res.send('still serving')
    })
    const url = await serve(app)
    const { reader } = await open(`${url}/events`)
    expect(await reader.event(0)).toMatchObject({ data: 'before' })
    await reader.ended
    await waitFor(() => logged.mock.calls.length > 0, 5000, "Express's error log")
    expect(logged.mock.calls).toEqual([[failure]])
    expect(stream?.clientDisconnected).toBe(true)
    await request(url).get('/next').expect(200, 'still serving')
  })

  it('lets an error handler see res.headersSent and end the stream itself', async () => {
    const failure = new Error('failed mid-stream')
    const app = express()
    app.use(sse())
    app.get('/events', async (_req, res) => {
      await res.sse.send({ data: 'before' })
      throw failure
    })
    const handled: unknown[] = []
    const onError: ErrorRequestHandler = (error, _req, res, next) => {
      if (!res.headersSent) {
        next(error)
        return
      }
      handled.push(error)
      void res.sse.send({ event: 'error', data: 'the server failed' })
      res.sse.close()
    }
    app.use(onError)
    const url = await serve(app)
    const response = await fetch(`${url}/events`)
    expect(await response.text()).toBe('data: before\n\nevent: error\ndata: the server failed\n\n')
    expect(handled).toEqual([failure])
  })

  it('gives res.sse to handlers of a mounted sub-app', async () => {
    const api = express()
    api.get('/events', async (_req, res) => {
      await res.sse.send({ data: 'from the sub-app' })
    })
    const app = express()
    app.use(sse())
    app.use('/api', api)
    const url = await serve(app)
    const { reader } = await open(`${url}/api/events`)
    expect(await reader.event(0)).toMatchObject({ data: 'from the sub-app' })
  })

  it('leaves res.sse undefined on routes without the middleware', async () => {
    const app = express()
    app.get('/events', sse(), async (_req, res) => {
      await res.sse.send({ data: 'mounted here' })
    })
    app.get('/other', (_req, res) => {
      res.json({ sse: typeof (res.sse as SseStream | undefined) })
    })
    const url = await serve(app)
    const { reader } = await open(`${url}/events`)
    expect(await reader.event(0)).toMatchObject({ data: 'mounted here' })
    await request(url).get('/other').expect(200, { sse: 'undefined' })
  })

  it('lets init() override the middleware options', async () => {
    const app = express()
    app.use(sse({ retry: 1000, headers: { 'X-Stream': 'default' } }))
    app.get('/events', async (_req, res) => {
      await res.sse.init({ retry: 2500 }).send({ data: 'x' })
    })
    const url = await serve(app)
    const { response, reader } = await open(`${url}/events`)
    await reader.event(0)
    expect(reader.retries).toEqual([2500])
    expect(response.headers.get('x-stream')).toBe('default')
  })

  it('rejects invalid options with a TypeError naming the option', () => {
    expect(() => sse({ heartbeat: -1 })).toThrow(TypeError)
    expect(() => sse({ heartbeat: -1 })).toThrow(/"heartbeat"/)
    expect(() => sse({ headers: { 'X-Bad': 'a\r\nb' } })).toThrow(/X-Bad/)
  })

  it('works with Express 4', async () => {
    const app = express4()
    app.use(sse())
    const api = express4.Router()
    api.get('/events', (_req, res) => {
      void res.sse.send({ event: 'v4', data: 'hello' })
    })
    app.use('/api', api)
    const url = await serve(app)
    const { response, reader } = await open(`${url}/api/events`)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(await reader.event(0)).toMatchObject({ event: 'v4', data: 'hello' })
  })
})
