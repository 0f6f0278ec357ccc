// An Express event stream whose figures Prometheus scrapes from /metrics, with prom-client.
// Run `node server.mjs`, open a few `curl -N http://127.0.0.1:3000/events`, then
// `curl http://127.0.0.1:3000/metrics`.
import diagnostics from 'node:diagnostics_channel'
import { setTimeout as sleep } from 'node:timers/promises'
import { sse } from '@ssekit/express'
import express from 'express'
import client from 'prom-client'

const app = express()
const events = sse({ maxStreams: 10_000, maxStreamsPerClient: 20 })
app.use(events)

app.get('/events', async (req, res) => {
  let n = 0
  while (!res.sse.signal.aborted) {
    if ((await res.sse.send({ event: 'tick', data: { n: ++n } })).clientDisconnected) break
    await sleep(1000, undefined, { signal: res.sse.signal }).catch(() => undefined)
  }
})

// Figures that go up and down are read from stats() when Prometheus scrapes.
new client.Gauge({
  name: 'sse_streams_open',
  help: 'Event streams open now',
  collect() {
    this.set(events.stats().open)
  },
})
new client.Gauge({
  name: 'sse_upstream_calls_in_flight',
  help: 'Upstream SSE calls of open streams running now',
  collect() {
    this.set(events.stats().upstreamInFlight)
  },
})

// Totals are counters. stats() gives totals since start, and a counter only goes up: at each
// scrape, add what was counted since the previous one.
function totalCounter(name, help, read) {
  let counted = 0
  return new client.Counter({
    name,
    help,
    collect() {
      const total = read(events.stats())
      this.inc(total - counted)
      counted = total
    },
  })
}
totalCounter('sse_events_sent_total', 'Events and comments sent', (stats) => stats.eventsSent)
totalCounter('sse_bytes_sent_total', 'UTF-8 bytes of events sent', (stats) => stats.bytesSent)
totalCounter('sse_streams_refused_total', 'Streams refused by a limit', (stats) => stats.refused)

// Each end, with its reason and the stream's lifetime, from the diagnostics channels. They
// report the streams of every sse() middleware in the process.
const ended = new client.Counter({
  name: 'sse_streams_ended_total',
  help: 'Event streams ended, by reason',
  labelNames: ['reason'],
})
const lifetime = new client.Histogram({
  name: 'sse_stream_duration_seconds',
  help: 'How long event streams stayed open',
  labelNames: ['reason'],
  buckets: [1, 10, 60, 300, 1800, 3600],
})
const startedAt = new WeakMap()
diagnostics.subscribe('ssekit:stream:start', ({ stream }) => {
  startedAt.set(stream, performance.now())
})
diagnostics.subscribe('ssekit:stream:end', ({ stream, reason }) => {
  ended.inc({ reason })
  const start = startedAt.get(stream)
  if (start !== undefined) lifetime.observe({ reason }, (performance.now() - start) / 1000)
})

app.get('/metrics', async (req, res) => {
  res.type(client.register.contentType).send(await client.register.metrics())
})

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`Listening on http://127.0.0.1:${server.address().port}/events`)
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await events.closeAll()
    server.close()
    server.closeAllConnections()
  })
}
