import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AppConfig, AppFactory } from './app.js'
import { nowMicros } from './clock.js'
import type { ContenderName } from './contenders.js'
import { answerCalls } from './ipc.js'

/** Each contender's module, loaded only in the process that serves it. */
const factories: Record<ContenderName, () => Promise<AppFactory>> = {
  raw: async () => (await import('./apps/raw.js')).raw,
  ceiling: async () => (await import('./apps/ceiling.js')).ceiling,
  'better-sse': async () => (await import('./apps/better-sse.js')).betterSse,
  'hono-streamsse': async () => (await import('./apps/hono-stream-sse.js')).honoStreamSse,
  'ssekit-core': async () => (await import('./apps/ssekit-core.js')).ssekitCore,
  'ssekit-core-observed': async () =>
    (await import('./apps/ssekit-observed.js')).ssekitCoreObserved,
  'ssekit-core-traced': async () => (await import('./apps/ssekit-observed.js')).ssekitCoreTraced,
  'ssekit-express': async () => (await import('./apps/ssekit-express.js')).ssekitExpress,
  'ssekit-koa': async () => (await import('./apps/ssekit-koa.js')).ssekitKoa,
  'ssekit-hono': async () => (await import('./apps/ssekit-hono.js')).ssekitHono,
  'ssekit-hono-web': async () => (await import('./apps/ssekit-hono.js')).ssekitHonoWeb,
  'fastify-sse': async () => (await import('./apps/fastify-sse.js')).fastifySse,
  'ssekit-fastify': async () => (await import('./apps/ssekit-fastify.js')).ssekitFastify,
  express: async () => (await import('./apps/frameworks.js')).expressAlone,
  koa: async () => (await import('./apps/frameworks.js')).koaAlone,
  hono: async () => (await import('./apps/frameworks.js')).honoAlone,
  fastify: async () => (await import('./apps/frameworks.js')).fastifyAlone,
}

const name = process.argv[2] as ContenderName
const config = JSON.parse(process.argv[3] ?? '{}') as AppConfig
const app = await (await factories[name]())(config)
const server = http.createServer((req, res) => void app.listener(req, res))
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 2048, resolve))

const gc = (globalThis as { gc?: () => void }).gc

/** Padding that brings a broadcast's data to about 64 bytes, as in the throughput scenario. */
const PAD = 'x'.repeat(40)

answerCalls({
  port: () => (server.address() as AddressInfo).port,
  usage: () => ({ cpu: process.cpuUsage(), at: nowMicros() }),
  memory: async () => {
    // Several passes with turns of the event loop between them: closed sockets release
    // their handles asynchronously.
    for (let i = 0; i < 4; i++) {
      gc?.()
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return process.memoryUsage()
  },
  settled: () => app.settled?.(),
  connections: () =>
    new Promise((resolve, reject) => {
      server.getConnections((error, count) => {
        if (error) reject(error)
        else resolve(count)
      })
    }),
  observed: () => app.observed?.() ?? 0,
  closeAll: async ({ retry, spread }: { retry: number; spread: number }) => {
    const closeAll = app.closeAll
    if (closeAll === undefined) throw new Error(`${name} has no closeAll`)
    const at = nowMicros()
    await closeAll(retry, spread)
    return { at }
  },
  broadcast: async ({ index }: { index: number }) => {
    const broadcast = app.broadcast
    if (broadcast === undefined) throw new Error(`${name} has no broadcast`)
    const usage = process.cpuUsage()
    const start = nowMicros()
    // The payload carries its own send time, for the client's delivery latency.
    broadcast(`${index} ${start} ${PAD}`)
    const call = nowMicros() - start
    // Node's HTTP responses write on the next tick (chunked framing is corked) and web
    // streams on later microtasks: the broadcast's work is done when the loop comes round.
    await new Promise((resolve) => setImmediate(resolve))
    const time = nowMicros() - start
    const cpu = process.cpuUsage(usage)
    return { call, time, cpu: cpu.user + cpu.system }
  },
})
