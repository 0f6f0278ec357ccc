// A minimal Fastify server streaming Server-Sent Events with @ssekit/fastify.
// Run `node server.mjs`, then `curl -N http://127.0.0.1:3000/events`.
import { setTimeout as sleep } from 'node:timers/promises'
import { sse } from '@ssekit/fastify'
import Fastify from 'fastify'

const app = Fastify()
await app.register(sse)

// A numbered tick every second. A browser's EventSource that reconnects sends the last id it
// saw as Last-Event-ID, and the count goes on from there.
app.get('/events', async (request, reply) => {
  let n = Number(reply.sse.lastEventId) || 0
  while (!reply.sse.signal.aborted) {
    n++
    const tick = { event: 'tick', id: String(n), data: { n, time: new Date().toISOString() } }
    if ((await reply.sse.send(tick)).clientDisconnected) break
    // The signal ends the wait at once when the client leaves.
    await sleep(1000, undefined, { signal: reply.sse.signal }).catch(() => undefined)
  }
})

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
console.log(`Listening on ${address}/events`)

// `app.close()` ends the open event streams, then closes the server, so the process exits at
// once.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => void app.close())
}
