import { getRequestListener } from '@hono/node-server'
import { createParser } from 'eventsource-parser'
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { payload, produceSlowly, streamParams, upstreamUrl, type AppFactory } from '../app.js'

/** Hono's own `streamSSE` helper on `@hono/node-server`. It has no channels. */
export const honoStreamSse: AppFactory = ({ upstream }) => {
  const app = new Hono()
  app.get('/stream', (c) =>
    streamSSE(c, async (stream) => {
      const { n, size } = streamParams(c.req.url)
      const data = payload(size)
      for (let i = 0; i < n && !stream.aborted; i++) await stream.writeSSE({ id: String(i), data })
    })
  )
  app.get('/idle', (c) =>
    streamSSE(c, (stream) => new Promise((resolve) => stream.onAbort(resolve)))
  )
  app.get('/slow', (c) =>
    streamSSE(c, (stream) => {
      const data = payload(streamParams(c.req.url).size)
      return produceSlowly(
        (i) => stream.writeSSE({ id: String(i), data }).then(() => !stream.aborted),
        () => !stream.aborted
      )
    })
  )
  app.get('/relay', (c) =>
    streamSSE(c, async (stream) => {
      const abort = new AbortController()
      stream.onAbort(() => {
        abort.abort()
      })
      const response = await fetch(upstreamUrl(upstream, c.req.url), { signal: abort.signal })
      const events: { id?: string; event?: string; data: string }[] = []
      const parser = createParser({ onEvent: (event) => events.push(event) })
      const decoder = new TextDecoder()
      for await (const chunk of response.body!) {
        parser.feed(decoder.decode(chunk, { stream: true }))
        for (const event of events) await stream.writeSSE(event)
        events.length = 0
      }
    })
  )
  return { listener: getRequestListener(app.fetch) }
}
