import http from 'node:http'
import { createParser } from 'eventsource-parser'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, waitFor, type Listening } from '@ssekit/test-helpers/listen'
import { usedMemory } from '@ssekit/test-helpers/memory'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { createNodeSink } from '../sink/node-sink.js'
import type { UpstreamEvent } from '../event/upstream-event.js'
import {
  DEFAULT_MAX_COLLECTED_BYTES,
  type SseRequestOptions,
  type SseRequestResult,
} from './options.js'
import { sseRequest } from './request.js'
import { sseEvents } from './iterate.js'
import { createSseStream } from '../stream/stream.js'

const MiB = 1024 * 1024
/** Events of 1 MiB each: 200 MiB in all, twelve times the default bound. */
const EVENT_COUNT = 200
const FRAME = Buffer.from(`data: ${'x'.repeat(MiB)}\n\n`)
/** How often the upstream measures memory while it sends. */
const SAMPLE_EVERY = 50
/**
 * What memory may grow by while the call runs: the events collected, within the bound, plus
 * the chunks in flight and the parser's buffer (about 4 MiB measured on Node 20 to 24).
 * Unbounded collection peaks above 250 MiB here, far past this.
 */
const ALLOWED_GROWTH = DEFAULT_MAX_COLLECTED_BYTES + 16 * MiB

const servers: (Upstream | Listening)[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

interface LargeUpstream {
  readonly url: string
  /** The most memory grew by, measured every {@link SAMPLE_EVERY} events sent. */
  readonly peak: () => number
}

/** An upstream that sends {@link EVENT_COUNT} events of 1 MiB as fast as they are read. */
async function largeEventUpstream(before: number): Promise<LargeUpstream> {
  let peak = 0
  const upstream = await startUpstream(async (call) => {
    for (let sent = 0; sent < EVENT_COUNT; sent++) {
      if (sent % SAMPLE_EVERY === SAMPLE_EVERY - 1) peak = Math.max(peak, usedMemory() - before)
      if (!(await call.write(FRAME))) return
    }
    call.end()
  })
  servers.push(upstream)
  return { url: upstream.url, peak: () => peak }
}

/** Reads an event stream as fast as it comes, counting events and keeping none of them. */
function countEvents(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0
    const parser = createParser({ onEvent: () => count++ })
    http
      .get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
        res.setEncoding('utf8')
        res.on('data', (text: string) => {
          parser.feed(text)
        })
        res.on('end', () => {
          resolve(count)
        })
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

/** Holds a value so that a test can let go of it. */
interface Held<T> {
  value: T | undefined
}

/**
 * Memory that only `held.value` keeps alive: measured with it, then once let go of. Unlike a
 * difference from a start, it does not depend on what earlier tests left to collect.
 */
function retainedBy(held: Held<unknown>): number {
  // A first collection lets buffers released by finalizers go before the measurement.
  usedMemory()
  const withIt = usedMemory()
  held.value = undefined
  return withIt - usedMemory()
}

interface Summary {
  readonly count: number
  readonly truncated: boolean | undefined
  readonly clientDisconnected: boolean
  readonly last: UpstreamEvent | undefined
}

/** What a test checks of a result, taken without keeping the result alive. */
async function summary(
  result: Promise<SseRequestResult> | SseRequestResult | undefined
): Promise<Summary> {
  if (result === undefined) throw new Error('The request was never made.')
  const { events, truncated, clientDisconnected } = await result
  return { count: events.length, truncated, clientDisconnected, last: events.at(-1) }
}

describe('collecting the events of a large upstream', () => {
  it('sseRequest stays within maxCollectedBytes while 200 MiB of events arrive', async () => {
    const upstream = await largeEventUpstream(usedMemory())
    const held = { value: await sseRequest({ url: upstream.url }) }
    const { count, truncated } = await summary(held.value)
    expect(upstream.peak()).toBeLessThan(ALLOWED_GROWTH)
    expect(retainedBy(held)).toBeLessThan(DEFAULT_MAX_COLLECTED_BYTES + 4 * MiB)
    expect(truncated).toBe(true)
    // Exactly at the bound: 16 events of 1 MiB.
    expect(count).toBe(DEFAULT_MAX_COLLECTED_BYTES / MiB)
  })

  it('stream.request forwards all 200 MiB to a fast client in bounded memory', async () => {
    const upstream = await largeEventUpstream(usedMemory())
    const held: Held<Promise<SseRequestResult>> = { value: undefined }
    const options: SseRequestOptions = { url: upstream.url, forward: true }
    const downstream = await listen((req, res) => {
      const stream = createSseStream(createNodeSink(req, res), { heartbeat: 0 })
      held.value = stream.request(options).finally(() => {
        stream.close()
      })
    })
    servers.push(downstream)
    const received = await countEvents(downstream.url)
    const { count, truncated, clientDisconnected } = await summary(held.value)
    expect(upstream.peak()).toBeLessThan(ALLOWED_GROWTH)
    expect(retainedBy(held)).toBeLessThan(DEFAULT_MAX_COLLECTED_BYTES + 4 * MiB)
    expect(received).toBe(EVENT_COUNT)
    expect(clientDisconnected).toBe(false)
    expect(truncated).toBe(true)
    expect(count).toBe(DEFAULT_MAX_COLLECTED_BYTES / MiB)
  })

  it('sseRequest keeps small events without the large chunks they arrived in', async () => {
    const padding = `: ${'p'.repeat(64 * 1024)}\n`
    const sent = 2048 // 128 MiB of chunks, 40 KiB of events
    const upstream = await startUpstream(async (call) => {
      for (let i = 0; i < sent; i++) {
        if (!(await call.write(`${padding}data: ${String(i).padStart(20, '0')}\n\n`))) return
      }
      call.end()
    })
    servers.push(upstream)
    const held = { value: await sseRequest({ url: upstream.url }) }
    const { count, last } = await summary(held.value)
    expect(retainedBy(held)).toBeLessThan(4 * MiB)
    expect(count).toBe(sent)
    expect(last).toEqual({ data: String(sent - 1).padStart(20, '0') })
  })
})

describe('iterating over a large upstream', () => {
  it('sseEvents holds back the upstream while the consumer pauses', async () => {
    const before = usedMemory()
    const upstream = await startUpstream(async (call) => {
      for (let sent = 0; sent < EVENT_COUNT; sent++) {
        if (!(await call.write(FRAME))) return
      }
      call.end()
    })
    servers.push(upstream)
    const events = sseEvents({ url: upstream.url })
    const first = await events.next()
    expect(first.value?.data.length).toBe(MiB)
    // The consumer pauses: the upstream fills the buffers on the way, then has to wait.
    const call = await upstream.call(0)
    await waitFor(() => call.blocked, 5000, 'the upstream to be held back')
    expect(call.written).toBeLessThan(32 * MiB)
    expect(usedMemory() - before).toBeLessThan(32 * MiB)
    // Reading again lets the upstream go on.
    expect((await events.next()).value?.data.length).toBe(MiB)
    await events.return?.()
    await call.closed
  })
})
