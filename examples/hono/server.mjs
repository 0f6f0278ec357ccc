// A minimal Hono server streaming Server-Sent Events with @ssekit/hono, on Node through
// @hono/node-server. Run `node server.mjs`, then `curl -N http://127.0.0.1:3000/events`.
import { setTimeout as sleep } from 'node:timers/promises'
import { serve } from '@hono/node-server'
import { sse } from '@ssekit/hono'
import { Hono } from 'hono'

const app = new Hono()
const events = sse()
app.use(events)

// A numbered tick every second. A browser's EventSource that reconnects sends the last id it
// saw as Last-Event-ID, and the count goes on from there. The stream ends when the callback
// returns, so it loops until the client leaves.
app.get('/events', (c) =>
  c.var.sse.stream(async (stream) => {
    let n = Number(stream.lastEventId) || 0
    while (!stream.signal.aborted) {
      n++
      const tick = { event: 'tick', id: String(n), data: { n, time: new Date().toISOString() } }
      if ((await stream.send(tick)).clientDisconnected) break
      // The signal ends the wait at once when the client leaves.
      await sleep(1000, undefined, { signal: stream.signal }).catch(() => undefined)
    }
  })
)

const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' },
  ({ port }) => console.log(`Listening on http://127.0.0.1:${port}/events`)
)

// Open event streams never end by themselves: end them, then close the server and drop the
// connections left, idle keep-alive ones included, so the process exits at once.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await events.closeAll()
    server.close()
    server.closeAllConnections()
  })
}
