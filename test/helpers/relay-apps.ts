import { createAdaptorServer } from '@hono/node-server'
import Router from '@koa/router'
import { sse as expressSse } from '@ssekit/express'
import { sse as fastifySse } from '@ssekit/fastify'
import { sse as honoSse } from '@ssekit/hono'
import { sse as koaSse } from '@ssekit/koa'
import { RelayNotFoundError, type RelayHub } from '@ssekit/core'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import type http from 'node:http'
import { listen, type Listening } from '@ssekit/test-helpers/listen'

/**
 * An app with the route that attaches a client to a relay: `GET /relays/:id` (with `?all`,
 * `lastEventId: null`), 404 for an unknown relay. Streams tell clients to reconnect after
 * 20 ms.
 */
export interface RelayApp extends Listening {
  readonly server: http.Server
  /** The attach route of a relay. */
  relay: (id: string, all?: boolean) => string
}

/** Builds a {@link RelayApp} around one adapter. */
export interface RelayAdapter {
  readonly name: 'express' | 'koa' | 'hono' | 'fastify'
  serve(hub: RelayHub): Promise<RelayApp>
}

const STREAM_OPTIONS = { retry: 20, heartbeat: 0 }

async function started(server: http.RequestListener | http.Server): Promise<RelayApp> {
  const listening = await listen(server)
  return { ...listening, relay: (id, all) => `${listening.url}/relays/${id}${all ? '?all' : ''}` }
}

function cursorOption(all: boolean): { lastEventId: null } | undefined {
  return all ? { lastEventId: null } : undefined
}

const expressRelays: RelayAdapter = {
  name: 'express',
  serve(hub) {
    const app = express()
    app.set('env', 'test')
    app.use(expressSse(STREAM_OPTIONS))
    app.get('/relays/:id', async (req, res, next) => {
      try {
        await hub.attach(req.params.id, res.sse, cursorOption('all' in req.query))
      } catch (error) {
        if (error instanceof RelayNotFoundError) res.sendStatus(404)
        else next(error)
      }
    })
    return started(app)
  },
}

const koaRelays: RelayAdapter = {
  name: 'koa',
  serve(hub) {
    const app = new Koa()
    const router = new Router()
    app.use(koaSse(STREAM_OPTIONS))
    router.get('/relays/:id', async (ctx) => {
      try {
        await hub.attach(ctx.params.id!, ctx.sse, cursorOption('all' in ctx.query))
      } catch (error) {
        if (!(error instanceof RelayNotFoundError)) throw error
        ctx.status = 404
      }
    })
    app.use(router.routes())
    const handle = app.callback()
    return started((req, res) => {
      void handle(req, res)
    })
  },
}

const honoRelays: RelayAdapter = {
  name: 'hono',
  serve(hub) {
    const app = new Hono()
    app.use(honoSse(STREAM_OPTIONS))
    app.get('/relays/:id', async (c) => {
      try {
        return await c.var.sse.attach(
          hub,
          c.req.param('id'),
          cursorOption(c.req.query('all') !== undefined)
        )
      } catch (error) {
        if (error instanceof RelayNotFoundError) return c.body(null, 404)
        throw error
      }
    })
    return started(createAdaptorServer({ fetch: app.fetch }) as http.Server)
  },
}

const fastifyRelays: RelayAdapter = {
  name: 'fastify',
  async serve(hub) {
    const app = Fastify()
    await app.register(fastifySse, STREAM_OPTIONS)
    app.get<{ Params: { id: string }; Querystring: { all?: string } }>(
      '/relays/:id',
      async (request, reply) => {
        try {
          await hub.attach(request.params.id, reply.sse, cursorOption('all' in request.query))
        } catch (error) {
          if (!(error instanceof RelayNotFoundError)) throw error
          return reply.code(404).send()
        }
      }
    )
    await app.ready()
    const relays = await started(app.server)
    return {
      ...relays,
      close: async () => {
        await relays.close()
        await app.close()
      },
    }
  },
}

/** Every adapter, for `describe.each`. */
export const relayAdapters: readonly RelayAdapter[] = [
  expressRelays,
  koaRelays,
  honoRelays,
  fastifyRelays,
]
