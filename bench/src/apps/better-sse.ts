import type { IncomingMessage, ServerResponse } from 'node:http'
import { createChannel, createSession } from 'better-sse'
import { createParser } from 'eventsource-parser'
import {
  drained,
  pathOf,
  payload,
  produceSlowly,
  streamParams,
  upstreamUrl,
  type AppFactory,
} from '../app.js'

/**
 * better-sse with its defaults. `push` has no backpressure of its own, so where the scenario
 * asks for it the route waits for the Node response's `'drain'`, as a careful user would.
 */
export const betterSse: AppFactory = ({ upstream }) => {
  const channel = createChannel()

  async function stream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { n, size } = streamParams(req.url)
    const data = payload(size)
    const session = await createSession(req, res)
    for (let i = 0; i < n; i++) {
      if (!session.isConnected) return
      session.push(data, 'message', String(i))
      if (res.writableNeedDrain && !(await drained(res))) return
    }
    res.end()
  }

  async function slow(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const data = payload(streamParams(req.url).size)
    const session = await createSession(req, res)
    // What users write: push and move on; better-sse offers nothing to wait for.
    await produceSlowly(
      (i) => {
        session.push(data, 'message', String(i))
        return true
      },
      () => session.isConnected
    )
  }

  async function relay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const abort = new AbortController()
    res.on('close', () => {
      abort.abort()
    })
    const response = await fetch(upstreamUrl(upstream, req.url), { signal: abort.signal })
    const session = await createSession(req, res)
    const events: { id?: string; event?: string; data: string }[] = []
    const parser = createParser({ onEvent: (event) => events.push(event) })
    const decoder = new TextDecoder()
    for await (const chunk of response.body!) {
      parser.feed(decoder.decode(chunk, { stream: true }))
      for (const { data, event, id } of events) {
        if (!session.isConnected) return
        session.push(data, event ?? 'message', id)
        if (res.writableNeedDrain && !(await drained(res))) return
      }
      events.length = 0
    }
    res.end()
  }

  return {
    listener: (req, res) => {
      switch (pathOf(req.url)) {
        case '/stream':
          return void stream(req, res)
        case '/idle':
          return void createSession(req, res)
        case '/slow':
          return void slow(req, res)
        case '/relay':
          return void relay(req, res).catch(() => res.destroy())
        case '/subscribe':
          return void createSession(req, res).then((session) => channel.register(session))
        default:
          res.writeHead(404).end()
      }
    },
    broadcast: (data) => channel.broadcast(data),
  }
}
