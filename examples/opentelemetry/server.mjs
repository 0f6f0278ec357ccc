// An Express route that forwards an upstream event stream, and an OpenTelemetry span for each
// upstream call, built from ssekit's `node:diagnostics_channel` messages: ssekit does not
// depend on OpenTelemetry, and publishes nothing while nobody subscribes.
// Run `node server.mjs`, then `curl -N http://127.0.0.1:3000/answer`: the spans are printed
// as JSON lines. Without UPSTREAM_URL, a small upstream in this process drops its first
// connection after one event, so the span shows a reconnection.
import diagnostics from 'node:diagnostics_channel'
import http from 'node:http'
import { SpanStatusCode } from '@opentelemetry/api'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { sse } from '@ssekit/express'
import express from 'express'

// In production, export to your collector (for instance `OTLPTraceExporter` of
// `@opentelemetry/exporter-trace-otlp-http`); this exporter prints one JSON line per span.
const jsonLines = {
  export(spans, done) {
    for (const span of spans) {
      const { name, attributes, status, events } = span
      const milliseconds = span.duration[0] * 1e3 + span.duration[1] / 1e6
      const timeline = events.map((event) => ({ name: event.name, ...event.attributes }))
      console.log(
        `span ${JSON.stringify({ name, attributes, status, events: timeline, milliseconds })}`
      )
    }
    done({ code: 0 })
  },
  shutdown: async () => {},
}
const provider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(jsonLines)],
})
const tracer = provider.getTracer('ssekit-example')

// One trace per upstream call (`sseRequest`, `sseEvents`, `stream.request`): a span from its
// start to its end, with an event per response and per reconnection. The context object is
// the same in every message of one call.
const spans = new WeakMap()
diagnostics.tracingChannel('ssekit:upstream').subscribe({
  start(context) {
    const attributes = { 'http.request.method': context.method, 'url.full': context.url }
    spans.set(context, tracer.startSpan(`SSE ${context.method}`, { attributes }))
  },
  error(context) {
    const span = spans.get(context)
    span?.recordException(context.error)
    span?.setStatus({ code: SpanStatusCode.ERROR, message: context.error?.message })
  },
  asyncEnd(context) {
    spans.get(context)?.end()
    spans.delete(context)
  },
  end() {},
  asyncStart() {},
})
diagnostics.subscribe('ssekit:upstream:response', ({ context, status, reconnects }) => {
  spans.get(context)?.addEvent('response', { 'http.response.status_code': status, reconnects })
})
diagnostics.subscribe('ssekit:upstream:reconnect', ({ context, attempt, delay, reason }) => {
  spans.get(context)?.addEvent('reconnect', { attempt, delay, reason })
})

const upstream = process.env.UPSTREAM_URL ?? (await startDemoUpstream())

const app = express()
const events = sse()
app.use(events)
app.get('/answer', async (req, res) => {
  try {
    await res.sse.request({
      url: upstream,
      headers: { Authorization: `Bearer ${process.env.UPSTREAM_TOKEN ?? 'demo-token'}` },
      forward: true,
      // Reconnect after a drop, resuming after the last event id; an end is final.
      reconnect: { resumeAfterEnd: false },
    })
  } catch {
    // The span already has the error; the client gets a last event.
    await res.sse.send({ event: 'error', data: 'The upstream failed.' })
  }
  res.sse.close()
})

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`Listening on http://127.0.0.1:${server.address().port}/answer`)
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await events.closeAll()
    server.close()
    await provider.shutdown()
  })
}

/**
 * An upstream that answers `token` events with ids; it drops its first connection after one
 * event, and resumes after the client's `Last-Event-ID` on the next.
 */
async function startDemoUpstream() {
  const words = ['Spans', 'from', 'diagnostics', 'channels.']
  let connections = 0
  const demo = http.createServer((req, res) => {
    const first = ++connections === 1
    const from = Number(req.headers['last-event-id'] ?? -1) + 1
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('retry: 50\n\n')
    for (let i = from; i < words.length; i++) {
      const frame = `event: token\nid: ${i}\ndata: ${words[i]}\n\n`
      // The first connection breaks once its first event is out.
      if (first) return void res.write(frame, () => res.destroy())
      res.write(frame)
    }
    res.end()
  })
  await new Promise((resolve) => demo.listen(0, '127.0.0.1', resolve))
  demo.unref()
  return `http://127.0.0.1:${demo.address().port}/v1/stream`
}
