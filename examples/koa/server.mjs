// A minimal Koa server streaming Server-Sent Events with @ssekit/koa.
// Run `node server.mjs`, then `curl -N http://127.0.0.1:3000/events`.
import { setTimeout as sleep } from 'node:timers/promises'
import Router from '@koa/router'
import { sse } from '@ssekit/koa'
import Koa from 'koa'

const app = new Koa()
const events = sse()
const router = new Router()

// A numbered tick every second. A browser's EventSource that reconnects sends the last id it
// saw as Last-Event-ID, and the count goes on from there.
router.get('/events', async (ctx) => {
  let n = Number(ctx.sse.lastEventId) || 0
  while (!ctx.sse.signal.aborted) {
    n++
    const tick = { event: 'tick', id: String(n), data: { n, time: new Date().toISOString() } }
    if ((await ctx.sse.send(tick)).clientDisconnected) break
    // The signal ends the wait at once when the client leaves.
    await sleep(1000, undefined, { signal: ctx.sse.signal }).catch(() => undefined)
  }
})

app.use(events).use(router.routes())

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`Listening on http://127.0.0.1:${server.address().port}/events`)
})

// Open event streams never end by themselves: end them, then close the server and drop the
// connections left, idle keep-alive ones included, so the process exits at once.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await events.closeAll()
    server.close()
    server.closeAllConnections()
  })
}
