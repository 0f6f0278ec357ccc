import { describe, expect, it } from 'vitest'
import { listen, type Listening } from '@ssekit/test-helpers/listen'
import { readEvents } from '@ssekit/test-helpers/read-events'
import { upstreamPerTest, type UpstreamFrame } from '@ssekit/test-helpers/upstream'
import { Collector } from './collect.js'
import { sseEvents } from './iterate.js'
import { createNodeSink } from '../sink/node-sink.js'
import type { UpstreamEvent } from '../event/upstream-event.js'
import type { SseRequestResult } from './options.js'
import { sseRequest } from './request.js'
import { resolveRequestOptions } from './resolve-request.js'
import { createSseStream } from '../stream/stream.js'

/** Collects `events` with the given bounds; returns what was kept. */
function collect(
  events: UpstreamEvent[],
  options: { maxCollectedBytes?: number; maxEvents?: number; collect?: boolean }
): Collector {
  const collector = new Collector(resolveRequestOptions({ url: 'http://127.0.0.1/', ...options }))
  for (const event of events) collector.add(event)
  return collector
}

describe('the byte bound on collected events', () => {
  it('keeps an event that reaches maxCollectedBytes exactly', () => {
    const collector = collect([{ data: 'abc' }, { data: 'defg' }], { maxCollectedBytes: 7 })
    expect(collector.events).toEqual([{ data: 'abc' }, { data: 'defg' }])
    expect(collector.truncated).toBe(false)
  })

  it('stops at an event one byte over, and reports truncation', () => {
    const collector = collect([{ data: 'abc' }, { data: 'defgh' }], { maxCollectedBytes: 7 })
    expect(collector.events).toEqual([{ data: 'abc' }])
    expect(collector.truncated).toBe(true)
  })

  it('counts the UTF-8 bytes of data, event and id together', () => {
    // é: 2 bytes, €: 3, 😀: 4 (two UTF-16 units).
    const event = { event: 'é', data: '€😀', id: 'a' }
    expect(collect([event], { maxCollectedBytes: 10 }).events).toEqual([event])
    const over = collect([event], { maxCollectedBytes: 9 })
    expect(over.events).toEqual([])
    expect(over.truncated).toBe(true)
  })

  it('keeps only the start of the stream: nothing after the first event that did not fit', () => {
    const collector = collect([{ data: 'aaaa' }, { data: 'bbbb' }, { data: 'c' }], {
      maxCollectedBytes: 6,
    })
    expect(collector.events).toEqual([{ data: 'aaaa' }])
    expect(collector.truncated).toBe(true)
  })

  it('applies maxEvents and maxCollectedBytes together, whichever comes first', () => {
    const events = [{ data: 'a' }, { data: 'b' }, { data: 'c' }]
    expect(collect(events, { maxEvents: 2, maxCollectedBytes: 100 }).events).toHaveLength(2)
    expect(collect(events, { maxEvents: 100, maxCollectedBytes: 1 }).events).toHaveLength(1)
  })

  it('keeps the fields, their order and what transform added', () => {
    const events = [{ event: 'e', data: 'd', id: '1', extra: 5 }, { data: 'x' }]
    const kept = collect(events, {}).events
    expect(kept).toEqual(events)
    expect(kept.map((event) => Object.keys(event))).toEqual([
      ['event', 'data', 'id', 'extra'],
      ['data'],
    ])
  })

  it('reports no truncation with collect: false', () => {
    const collector = collect([{ data: 'abc' }], { collect: false, maxCollectedBytes: 1 })
    expect(collector.events).toEqual([])
    expect(collector.truncated).toBe(false)
  })
})

describe('maxCollectedBytes on the wire', () => {
  const serve = upstreamPerTest()
  const frames: UpstreamFrame[] = [
    { id: '1', data: 'héllo' }, // 1 + 6 bytes
    { event: 'x', data: 'ab' }, // 1 + 2 bytes
    { data: 'the rest' },
  ]

  async function upstreamUrl(): Promise<string> {
    const { url } = await serve(async (call) => {
      for (const frame of frames) await call.send(frame)
      call.end()
    })
    return url
  }

  it('sseRequest collects up to the bound and reads the upstream to its end', async () => {
    const url = await upstreamUrl()
    expect(await sseRequest({ url, maxCollectedBytes: 10 })).toEqual({
      events: [
        { id: '1', data: 'héllo' },
        { event: 'x', data: 'ab' },
      ],
      clientDisconnected: false,
      truncated: true,
    })
    expect(await sseRequest({ url, maxCollectedBytes: 9 })).toEqual({
      events: [{ id: '1', data: 'héllo' }],
      clientDisconnected: false,
      truncated: true,
    })
  })

  it('sseEvents yields every event whatever the bound', async () => {
    const url = await upstreamUrl()
    const yielded: UpstreamEvent[] = []
    for await (const event of sseEvents({ url, maxCollectedBytes: 0 })) yielded.push(event)
    expect(yielded.map((event) => event.data)).toEqual(['héllo', 'ab', 'the rest'])
  })

  it('stream.request forwards every event past the bound', async () => {
    const url = await upstreamUrl()
    let relayed: Promise<SseRequestResult> | undefined
    const downstream: Listening = await listen((req, res) => {
      const stream = createSseStream(createNodeSink(req, res), { heartbeat: 0 })
      relayed = stream.request({ url, forward: true, maxCollectedBytes: 7 }).finally(() => {
        stream.close()
      })
    })
    try {
      const response = await fetch(downstream.url)
      const reader = readEvents(response.body!)
      await reader.ended
      expect(reader.events.map((event) => event.data)).toEqual(['héllo', 'ab', 'the rest'])
      expect(await relayed).toEqual({
        events: [{ id: '1', data: 'héllo' }],
        clientDisconnected: false,
        truncated: true,
      })
    } finally {
      await downstream.close()
    }
  })

  it('refuses a transform that returns a non-string id, naming the option', async () => {
    const url = await upstreamUrl()
    const failure = sseRequest({
      url,
      transform: (event) => ({ ...event, id: 5 }) as unknown as UpstreamEvent,
    })
    await expect(failure).rejects.toThrow(TypeError)
    await expect(failure).rejects.toThrow(/"transform" must return an event with string "data"/)
  })
})
