import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  createNodeSink,
  createRelayHub,
  createSseStream,
  createStreamGroup,
  type SseStream,
} from '@ssekit/core'
import { benchChannel } from '../channel.js'
import {
  pathOf,
  payload,
  produceSlowly,
  streamParams,
  upstreamUrl,
  type AppFactory,
} from '../app.js'

/**
 * The routes of an ssekit stream, shared by every ssekit contender: only how a request's
 * stream is reached differs between adapters.
 */
export interface SsekitRoutes {
  stream(stream: SseStream, url: string | undefined): Promise<void>
  slow(stream: SseStream, url: string | undefined): Promise<void>
  relay(stream: SseStream, url: string | undefined): Promise<void>
}

/**
 * @param upstream - The upstream's origin.
 * @returns The routes as an ssekit user writes them.
 */
export function ssekitRoutes(upstream: string): SsekitRoutes {
  return {
    async stream(stream, url) {
      const { n, size } = streamParams(url)
      const data = payload(size)
      for (let i = 0; i < n; i++) {
        if ((await stream.send({ id: String(i), data })).clientDisconnected) return
      }
      stream.close()
    },
    slow(stream, url) {
      const data = payload(streamParams(url).size)
      stream.init()
      return produceSlowly(
        (i) => stream.send({ id: String(i), data }).then((sent) => !sent.clientDisconnected),
        () => !stream.clientDisconnected
      )
    },
    async relay(stream, url) {
      try {
        await stream.request({ url: upstreamUrl(upstream, url), forward: true })
      } finally {
        stream.close()
      }
    },
  }
}

/** The route of a durable relay, and how to wait until the relays it started are gone. */
interface DurableRoute {
  readonly route: (stream: SseStream, url: string | undefined) => Promise<void>
  /** Resolves once every relay the route started has ended and passed its retention. */
  readonly settled: () => Promise<void>
}

/**
 * Relays the upstream's `/events?…` through a durable relay, the client attached from its
 * start: the cost of keeping the log and attaching over forwarding the events directly.
 *
 * @param upstream - The upstream's origin.
 * @returns The route.
 */
function durableRoute(upstream: string): DurableRoute {
  const hub = createRelayHub({
    // Room for the largest run's events in one log, and for the memory scenario's relays.
    maxEvents: 1_000_000,
    maxBytes: 512 * 1024 * 1024,
    maxRelays: 10_000,
    // Relays whose client left stop soon, and finished logs are forgotten soon, so that one
    // measurement does not weigh on the next.
    orphanTimeout: 1000,
    retention: 1000,
  })
  const started = new Set<string>()
  return {
    async route(stream, url) {
      let id: string
      try {
        id = (await hub.start({ url: upstreamUrl(upstream, url) })).id
      } catch {
        stream.close()
        return
      }
      started.add(id)
      await hub.attach(id, stream)
    },
    async settled() {
      for (const id of started) {
        while ((await hub.get(id)) !== undefined) {
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        started.delete(id)
      }
    },
  }
}

/** ssekit's core on plain `node:http`: its own cost, without a framework's. */
export const ssekitCore: AppFactory = async ({ upstream, redis }) => {
  const routes = ssekitRoutes(upstream)
  const durable = durableRoute(upstream)
  const channel = await benchChannel(redis)
  const streamOf = (req: IncomingMessage, res: ServerResponse): SseStream =>
    createSseStream(createNodeSink(req, res))
  let stormGroup = createStreamGroup()
  return {
    listener: (req, res) => {
      switch (pathOf(req.url)) {
        case '/stream':
          return void routes.stream(streamOf(req, res), req.url)
        case '/idle':
          return void streamOf(req, res).init()
        case '/slow':
          return void routes.slow(streamOf(req, res), req.url)
        case '/relay':
          return void routes.relay(streamOf(req, res), req.url)
        case '/durable':
          return void durable.route(streamOf(req, res), req.url)
        case '/subscribe':
          return void channel.subscribe(streamOf(req, res))
        case '/storm':
          return void createSseStream(createNodeSink(req, res), { group: stormGroup }).init()
        default:
          res.writeHead(404).end()
      }
    },
    broadcast: (data) => channel.broadcast({ data }),
    settled: durable.settled,
    closeAll: (retry, spread) => {
      const group = stormGroup
      stormGroup = createStreamGroup()
      return group.closeAll({ event: { event: 'shutdown', data: '', retry }, spread })
    },
  }
}
