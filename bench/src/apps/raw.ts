import type { IncomingMessage, ServerResponse } from 'node:http'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import {
  drained,
  pathOf,
  payload,
  produceSlowly,
  SSE_HEADERS,
  streamParams,
  upstreamUrl,
  writeEachEvent,
  type AppFactory,
} from '../app.js'

/** The reference: `node:http` and `res.write` of preformatted frames, nothing else. */
export const raw: AppFactory = ({ upstream }) => {
  const subscribers = new Set<ServerResponse>()

  function open(res: ServerResponse): void {
    res.writeHead(200, SSE_HEADERS)
    res.flushHeaders()
  }

  function slow(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const data = payload(streamParams(req.url).size)
    open(res)
    return produceSlowly(
      (i) => res.write(`id: ${i}\ndata: ${data}\n\n`) || drained(res),
      () => !res.destroyed
    )
  }

  async function relay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const abort = new AbortController()
    res.on('close', () => {
      abort.abort()
    })
    const response = await fetch(upstreamUrl(upstream, req.url), { signal: abort.signal })
    open(res)
    const frames: string[] = []
    const parser = createParser({
      onEvent: ({ id, event, data }: EventSourceMessage) => {
        let frame = event === undefined ? '' : `event: ${event}\n`
        if (id !== undefined) frame += `id: ${id}\n`
        frames.push(`${frame}data: ${data}\n\n`)
      },
    })
    const decoder = new TextDecoder()
    for await (const chunk of response.body!) {
      parser.feed(decoder.decode(chunk, { stream: true }))
      for (const frame of frames) if (!res.write(frame) && !(await drained(res))) return
      frames.length = 0
    }
    res.end()
  }

  return {
    listener: (req, res) => {
      switch (pathOf(req.url)) {
        case '/stream':
          return void writeEachEvent(req, res)
        case '/idle':
          open(res)
          return
        case '/slow':
          return void slow(req, res)
        case '/relay':
          return void relay(req, res).catch(() => res.destroy())
        case '/subscribe':
          open(res)
          subscribers.add(res)
          res.on('close', () => subscribers.delete(res))
          return
        default:
          res.writeHead(404).end()
      }
    },
    broadcast: (data) => {
      const frame = `data: ${data}\n\n`
      for (const res of subscribers) res.write(frame)
    },
  }
}
