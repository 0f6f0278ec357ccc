import { createAdaptorServer } from '@hono/node-server'
import Router from '@koa/router'
import { sse as expressSse } from '@ssekit/express'
import { sse as fastifySse, type SsePluginOptions } from '@ssekit/fastify'
import { sse as honoSse } from '@ssekit/hono'
import { sse as koaSse } from '@ssekit/koa'
import { createStreamGroup, type SseStream, type SseStreamOptions } from '@ssekit/core'
import type { SseShutdown } from '@ssekit/core/adapter'
import express, { type ErrorRequestHandler, type RequestHandler } from 'express'
import Fastify, { type RouteHandlerMethod } from 'fastify'
import { Hono, type Handler } from 'hono'
import Koa from 'koa'
import type http from 'node:http'
import { listen, type Listening } from '@ssekit/test-helpers/listen'
import { errorLogger } from '@ssekit/test-helpers/fastify-logger'

/** What a route does with the request's stream: the same code behind every adapter. */
export type Route = (stream: SseStream, response: RouteResponse) => unknown

/** The response behind a route's stream, as the framework lets an app reach it. */
export interface RouteResponse {
  /**
   * Ends the response behind the stream's back, the way an app of the framework would:
   * Express's `res.end()`, Koa's `ctx.res.end()`, `c.env.outgoing.end()` on `@hono/node-server`,
   * Fastify's `reply.raw.end()`.
   */
  end(): void
}

/** Options of every adapter's `sse()` but `clientKey`, whose argument differs. */
export interface AppOptions extends SseStreamOptions {
  maxStreams?: number
  maxStreamsPerClient?: number
}

/** How a test app is set up. */
export interface AppSetup {
  /** Options of the `sse()` middleware. */
  options?: AppOptions
  /**
   * A request header whose value is the `clientKey`, read through the object the framework
   * hands `clientKey` (Express's `req`, Koa's `ctx`, Hono's `c`, Fastify's `request`).
   */
  clientKeyHeader?: string
  /** Mount the middleware app-wide (default) or on the `/events` route only. */
  mount?: 'app' | 'route'
}

/** A test app listening on 127.0.0.1. */
export interface App extends Listening {
  /** The Node server, e.g. to count its open connections. */
  readonly server: http.Server
  /** `GET /events`: the route, given the request's stream. */
  readonly events: string
  /** `GET /plain`: JSON `{ "plain": true }`, behind the middleware, never reading the stream. */
  readonly plain: string
  /**
   * Errors that reached the framework's error reporting: an Express error handler, Koa's
   * `app.on('error')`, the Hono middleware's `onError`, Fastify's logger.
   */
  readonly errors: unknown[]
  /** The middleware's `closeAll` (the `closeAll` of Fastify's plugin's `group`), for shutdown. */
  readonly closeAll: SseShutdown['closeAll']
  /** The middleware's `stats`. */
  readonly stats: SseShutdown['stats']
}

/** Builds an app around one adapter. */
export interface AdapterApp {
  readonly name: 'express' | 'koa' | 'hono' | 'fastify'
  serve(route: Route, setup?: AppSetup): Promise<App>
}

async function start(
  handler: http.RequestListener | http.Server,
  errors: unknown[],
  { closeAll, stats }: SseShutdown
): Promise<App> {
  const server = await listen(handler)
  const { url } = server
  return { ...server, errors, closeAll, stats, events: `${url}/events`, plain: `${url}/plain` }
}

export const expressApp: AdapterApp = {
  name: 'express',
  serve(route, { options, mount = 'app', clientKeyHeader } = {}) {
    const errors: unknown[] = []
    const app = express()
    // Express's final handler logs errors outside the test environment.
    app.set('env', 'test')
    const middleware = expressSse({
      ...options,
      clientKey:
        clientKeyHeader === undefined ? undefined : (req) => req.get(clientKeyHeader) ?? '',
    })
    const handler: RequestHandler = async (_req, res) => {
      await route(res.sse, { end: () => res.end() })
    }
    if (mount === 'app') app.use(middleware).get('/events', handler)
    else app.get('/events', middleware, handler)
    app.get('/plain', (_req, res) => {
      res.json({ plain: true })
    })
    const recordError: ErrorRequestHandler = (error, _req, _res, next) => {
      errors.push(error)
      next(error)
    }
    app.use(recordError)
    return start(app, errors, middleware)
  },
}

export const koaApp: AdapterApp = {
  name: 'koa',
  serve(route, { options, mount = 'app', clientKeyHeader } = {}) {
    const errors: unknown[] = []
    const app = new Koa()
    app.on('error', (error: unknown) => errors.push(error))
    const middleware = koaSse({
      ...options,
      clientKey: clientKeyHeader === undefined ? undefined : (ctx) => ctx.get(clientKeyHeader),
    })
    const router = new Router()
    const handler: Koa.Middleware = async (ctx) => {
      await route(ctx.sse, { end: () => ctx.res.end() })
    }
    if (mount === 'app') {
      app.use(middleware)
      router.get('/events', handler)
    } else {
      router.get('/events', middleware, handler)
    }
    router.get('/plain', (ctx) => {
      ctx.body = { plain: true }
    })
    app.use(router.routes())
    const handle = app.callback()
    return start(
      (req, res) => {
        void handle(req, res)
      },
      errors,
      middleware
    )
  },
}

export const honoApp: AdapterApp = {
  name: 'hono',
  serve(route, { options, mount = 'app', clientKeyHeader } = {}) {
    const errors: unknown[] = []
    const app = new Hono()
    const middleware = honoSse({
      ...options,
      clientKey:
        clientKeyHeader === undefined ? undefined : (c) => c.req.header(clientKeyHeader) ?? '',
      onError: (error) => errors.push(error),
    })
    const handler: Handler = (c) => {
      const { outgoing } = c.env as { outgoing: http.ServerResponse }
      return c.var.sse.stream((stream) => route(stream, { end: () => outgoing.end() }))
    }
    if (mount === 'app') app.use(middleware).get('/events', handler)
    else app.get('/events', middleware, handler)
    app.get('/plain', (c) => c.json({ plain: true }))
    return start(createAdaptorServer({ fetch: app.fetch }) as http.Server, errors, middleware)
  },
}

const fastifyApp: AdapterApp = {
  name: 'fastify',
  async serve(route, { options, mount = 'app', clientKeyHeader } = {}) {
    const errors: unknown[] = []
    const app = Fastify({ loggerInstance: errorLogger(errors) })
    // The plugin's figures and `closeAll` are those of the group its options name.
    const group = options?.group ?? createStreamGroup()
    const pluginOptions: SsePluginOptions = {
      ...options,
      group,
      clientKey:
        clientKeyHeader === undefined
          ? undefined
          : (request) => request.headers[clientKeyHeader.toLowerCase()]?.toString() ?? '',
    }
    const handler: RouteHandlerMethod = async (_request, reply) => {
      await route(reply.sse, { end: () => reply.raw.end() })
    }
    if (mount === 'app') {
      await app.register(fastifySse, pluginOptions)
      app.get('/events', handler)
    } else {
      await app.register(async (scope) => {
        await scope.register(fastifySse, pluginOptions)
        scope.get('/events', handler)
      })
    }
    app.get('/plain', () => ({ plain: true }))
    await app.ready()
    const listening = await listen(app.server)
    const { url } = listening
    return {
      ...listening,
      close: async () => {
        await listening.close()
        await app.close()
      },
      errors,
      closeAll: (closeOptions) => group.closeAll(closeOptions),
      stats: () => group.stats(),
      events: `${url}/events`,
      plain: `${url}/plain`,
    }
  },
}

/** Every adapter, for `describe.each`. */
export const adapterApps: readonly AdapterApp[] = [expressApp, koaApp, honoApp, fastifyApp]
