import type { IncomingMessage, ServerResponse } from 'node:http'
import { createNodeSink, createSseStream, type SseStream } from '@ssekit/core'
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

/** ssekit's core on plain `node:http`: its own cost, without a framework's. */
export const ssekitCore: AppFactory = async ({ upstream, redis }) => {
  const routes = ssekitRoutes(upstream)
  const channel = await benchChannel(redis)
  const streamOf = (req: IncomingMessage, res: ServerResponse): SseStream =>
    createSseStream(createNodeSink(req, res))
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
        case '/subscribe':
          return void channel.subscribe(streamOf(req, res))
        default:
          res.writeHead(404).end()
      }
    },
    broadcast: (data) => channel.broadcast({ data }),
  }
}
