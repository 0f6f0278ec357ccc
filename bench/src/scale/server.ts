import http, { type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createChannel } from '@ssekit/core'
import { sse } from '@ssekit/express'
import { createRedisBackplane } from '@ssekit/redis'
import { createClient } from '@redis/client'
import express from 'express'
import { SSE_HEADERS } from '../app.js'
import { nowMicros } from '../clock.js'
import { answerCalls } from '../ipc.js'
import type { RedisTarget } from './redis-nodes.js'

/**
 * One instance of the scale scenario's app, `ssekit` or `raw`, serving `GET /subscribe` on
 * 127.0.0.1: a stream that joins the broadcast, fanned out across instances through Redis.
 *
 * - `ssekit`: Express with `@ssekit/express` (`sse()` with its defaults, heartbeat included)
 *   and a channel on the `@ssekit/redis` backplane.
 * - `raw`: `node:http`, preformatted frames written with `res.write`, a heartbeat comment to
 *   every stream from one timer, and Redis pub/sub through node-redis.
 * - `express`: the same as `raw`, its route in an Express app: what Express itself costs.
 */

/** Module name of a contender of the scale scenario. */
export type ScaleContender = 'ssekit' | 'raw' | 'express'

/** The channel's name, and the raw instances' Redis pub/sub channel. */
const CHANNEL = 'scale'

/** ssekit's default heartbeat interval, which the raw instances follow. */
const HEARTBEAT_MS = 15_000

/** Padding that brings a broadcast's data to about 64 bytes, as in the other scenarios. */
const PAD = 'x'.repeat(40)

interface Instance {
  readonly listener: http.RequestListener
  readonly broadcast: (data: string) => void
}

async function ssekitInstance(target: RedisTarget): Promise<Instance> {
  const backplane = createRedisBackplane(
    'url' in target
      ? { url: target.url }
      : { cluster: { rootNodes: target.cluster.map((url) => ({ url })) } }
  )
  await backplane.connected()
  const channel = createChannel(CHANNEL, { backplane })
  const app = express()
  app.use(sse())
  app.get('/subscribe', (_req, res) => void channel.subscribe(res.sse))
  return { listener: app, broadcast: (data) => void channel.broadcast({ data }) }
}

/**
 * @param target - One Redis server.
 * @param onExpress - Serve the route from an Express app instead of plain `node:http`.
 */
async function rawInstance(target: RedisTarget, onExpress: boolean): Promise<Instance> {
  if (!('url' in target)) throw new Error('the raw instances use one Redis server')
  const subscribers = new Set<ServerResponse>()
  const publisher = createClient({ url: target.url })
  const subscriber = publisher.duplicate()
  await Promise.all([publisher.connect(), subscriber.connect()])
  // Each message starts with its publisher's pid: the publisher has written it already.
  const origin = `${process.pid}\n`
  const writeAll = (frame: string): void => {
    for (const res of subscribers) res.write(frame)
  }
  await subscriber.subscribe(CHANNEL, (message) => {
    if (!message.startsWith(origin)) writeAll(message.slice(message.indexOf('\n') + 1))
  })
  setInterval(() => {
    writeAll(':\n\n')
  }, HEARTBEAT_MS)
  const subscribe = (res: ServerResponse): void => {
    res.writeHead(200, SSE_HEADERS)
    res.flushHeaders()
    subscribers.add(res)
    res.on('close', () => subscribers.delete(res))
  }
  let listener: http.RequestListener = (req, res) => {
    if (req.url === '/subscribe') subscribe(res)
    else res.writeHead(404).end()
  }
  if (onExpress) {
    const app = express()
    app.get('/subscribe', (_req, res) => subscribe(res))
    listener = app
  }
  return {
    listener,
    broadcast: (data) => {
      const frame = `data: ${data}\n\n`
      void publisher.publish(CHANNEL, origin + frame)
      writeAll(frame)
    },
  }
}

// The orchestrator gone (whatever the cause), nothing is left to serve.
process.on('disconnect', () => process.exit(0))

const contender = process.argv[2] as ScaleContender
const target = JSON.parse(process.argv[3] ?? '{}') as RedisTarget
const instance = await (contender === 'ssekit'
  ? ssekitInstance(target)
  : rawInstance(target, contender === 'express'))
const server = http.createServer(instance.listener)
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 4096, resolve))

const gc = (globalThis as { gc?: () => void }).gc

answerCalls({
  port: () => (server.address() as AddressInfo).port,
  cpu: () => {
    const { user, system } = process.cpuUsage()
    return user + system
  },
  memory: async () => {
    // Several passes with turns of the event loop between them, as the idle scenario does.
    for (let i = 0; i < 4; i++) {
      gc?.()
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const { rss, heapUsed } = process.memoryUsage()
    return { rss, heap: heapUsed }
  },
  broadcast: ({ index }: { index: number }) => {
    // The payload carries its own send time, for the clients' delivery latency.
    instance.broadcast(`${index} ${nowMicros()} ${PAD}`)
  },
})
