import { createAdaptorServer } from '@hono/node-server'
import Router from '@koa/router'
import { sse as expressSse } from '@ssekit/express'
import { sse as honoSse } from '@ssekit/hono'
import { sse as koaSse, SseTimeoutError, SseUpstreamError } from '@ssekit/koa'
import express from 'express'
import { Hono } from 'hono'
import Koa from 'koa'
import type http from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, type Listening } from '@ssekit/test-helpers/listen'
import { startUpstream, type Upstream, type UpstreamHandler } from '@ssekit/test-helpers/upstream'

let server: Listening | undefined
let upstream: Upstream | undefined
afterEach(async () => {
  await server?.close()
  await upstream?.close()
  server = undefined
  upstream = undefined
})

const isUpstreamFailure = (error: unknown): boolean =>
  error instanceof SseUpstreamError || error instanceof SseTimeoutError

/** The README's route in each framework: the upstream's events, or 502 when it fails. */
const apps: Record<string, (url: string) => http.RequestListener | http.Server> = {
  express: (url) => {
    const app = express()
    app.use(expressSse())
    app.get('/prices', async (req, res) => {
      try {
        await res.sse.request({ url, forward: true })
      } catch (error) {
        if (!isUpstreamFailure(error)) throw error
        if (!res.headersSent) {
          res.status(502).json({ error: 'upstream unavailable' })
          return
        }
      }
      res.sse.close()
    })
    return app
  },
  koa: (url) => {
    const app = new Koa()
    const router = new Router()
    app.use(koaSse())
    router.get('/prices', async (ctx) => {
      try {
        await ctx.sse.request({ url, forward: true })
      } catch (error) {
        if (!isUpstreamFailure(error)) throw error
        if (!ctx.headerSent) {
          ctx.status = 502
          ctx.body = { error: 'upstream unavailable' }
          return
        }
      }
      ctx.sse.close()
    })
    app.use(router.routes())
    const handle = app.callback()
    return (req, res) => {
      void handle(req, res)
    }
  },
  hono: (url) => {
    const app = new Hono()
    app.use(honoSse())
    app.get('/prices', async (c) => {
      try {
        return await c.var.sse.request({ url })
      } catch (error) {
        if (!isUpstreamFailure(error)) throw error
        return c.json({ error: 'upstream unavailable' }, 502)
      }
    })
    return createAdaptorServer({ fetch: app.fetch }) as http.Server
  },
}

async function get(framework: string, handler: UpstreamHandler): Promise<Response> {
  upstream = await startUpstream(handler)
  const app = apps[framework] as (url: string) => http.RequestListener | http.Server
  server = await listen(app(upstream.url))
  return fetch(`${server.url}/prices`)
}

describe.each(Object.keys(apps))(
  'the README route answering upstream failures, %s',
  (framework) => {
    it('relays the events of a working upstream', async () => {
      const response = await get(framework, (call) => {
        call.end('data: 1\n\ndata: 2\n\n')
      })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
      expect(await response.text()).toContain('data: 1\n\ndata: 2\n\n')
    })

    it('answers 502 when the upstream answers 500', async () => {
      const response = await get(framework, (call) => {
        call.open(500, { 'content-type': 'text/plain' })
        call.end('down')
      })
      expect(response.status).toBe(502)
      expect(await response.json()).toEqual({ error: 'upstream unavailable' })
    })
  }
)
