import { EventSource } from 'eventsource'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, waitFor } from '@ssekit/test-helpers/listen'
import { createNodeSink } from '../sink/node-sink.js'
import { createSseStream, type SseStream } from './stream.js'
import type { SseStreamOptions } from './options.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Serves an idle stream per request, started with `options` and `init` options. */
async function serveIdle(options: SseStreamOptions, init?: SseStreamOptions): Promise<string> {
  const streams: SseStream[] = []
  const server = await listen((req, res) => {
    streams.push(createSseStream(createNodeSink(req, res), options).init(init))
  })
  cleanups.push(() => server.close())
  cleanups.push(() => {
    for (const stream of streams) stream.close()
  })
  return server.url
}

/** An EventSource that records the heartbeat events it sees by type, and every message. */
function watch(url: string, type: string): { beats: string[]; messages: string[] } {
  const source = new EventSource(url)
  cleanups.push(() => source.close())
  const beats: string[] = []
  const messages: string[] = []
  source.addEventListener(type, (event: MessageEvent) => beats.push(event.data as string))
  source.onmessage = (event: MessageEvent) => messages.push(event.data as string)
  return { beats, messages }
}

describe('heartbeatEvent', () => {
  it('makes heartbeats events a browser client receives', async () => {
    const url = await serveIdle({ heartbeat: 40, heartbeatEvent: 'ping' })
    const { beats, messages } = watch(url, 'ping')
    await waitFor(() => beats.length >= 2 || undefined, 5000, 'two heartbeat events')
    expect(beats.slice(0, 2)).toEqual(['', ''])
    expect(messages).toEqual([])
  })

  it('is set per stream by init()', async () => {
    const url = await serveIdle({ heartbeat: 40 }, { heartbeatEvent: 'alive' })
    const { beats } = watch(url, 'alive')
    await waitFor(() => beats.length >= 1 || undefined, 5000, 'a heartbeat event')
    expect(beats[0]).toBe('')
  })

  it.each([
    ['an empty string', ''],
    ['a number', 1],
    ['a type with LF', 'a\nb'],
  ])('refuses %s with a TypeError naming the option', (_case, value) => {
    const options = { heartbeatEvent: value as string }
    const sink = createNodeSink(...fakeExchange())
    expect(() => createSseStream(sink, options)).toThrow(/"heartbeatEvent"/)
  })
})

/** A request and response that are never used: validation fails before any I/O. */
function fakeExchange(): Parameters<typeof createNodeSink> {
  const req = { httpVersionMajor: 1, httpVersionMinor: 1, headers: {} }
  const res = { on: () => undefined, off: () => undefined }
  return [req, res] as unknown as Parameters<typeof createNodeSink>
}
