import { EventSource } from 'eventsource'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNode, type NodeProcess } from './helpers/node-process.js'
import { readEvents } from '@ssekit/test-helpers/read-events'

describe.each(['express', 'koa', 'hono', 'fastify'])('examples/%s', (name) => {
  let server: NodeProcess
  let url: string

  beforeAll(async () => {
    // Run as the README says: plain Node on the built packages.
    const script = fileURLToPath(new URL(`../examples/${name}/server.mjs`, import.meta.url))
    server = startNode(script, { PORT: '0' })
    url = (await server.until(/Listening on (http:\S+)/))[1]!
  })

  afterAll(async () => {
    // Ctrl+C ends the open streams, then the server: the process exits by itself.
    expect(await server.stop()).toBe(0)
  })

  it('streams numbered ticks to an EventSource', async () => {
    const source = new EventSource(url)
    try {
      const ticks = await new Promise<MessageEvent[]>((resolve, reject) => {
        const received: MessageEvent[] = []
        source.addEventListener('tick', (event) => {
          received.push(event)
          if (received.length === 2) resolve(received)
        })
        source.addEventListener('error', (event) => reject(new Error(event.message)))
      })
      expect(ticks.map((tick) => tick.lastEventId)).toEqual(['1', '2'])
      expect(JSON.parse(ticks[1]!.data)).toMatchObject({ n: 2 })
    } finally {
      source.close()
    }
  })

  it('goes on after the Last-Event-ID of a reconnecting client', async () => {
    const response = await fetch(url, { headers: { 'Last-Event-ID': '41' } })
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = readEvents(response.body!)
    try {
      expect(await reader.event(0)).toMatchObject({ event: 'tick', id: '42' })
    } finally {
      await reader.cancel()
    }
  })
})
