import http from 'node:http'
import { createParser } from 'eventsource-parser'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, type Listening } from '../../../test/helpers/listen.js'
import { usedMemory } from '../../../test/helpers/memory.js'
import { startUpstream, type Upstream } from '../../../test/helpers/upstream.js'
import { createNodeSink } from './node-sink.js'
import {
  DEFAULT_MAX_COLLECTED_BYTES,
  type SseRequestOptions,
  type SseRequestResult,
} from './request-options.js'
import { sseRequest } from './request.js'
import { createSseStream } from './stream.js'

const MiB = 1024 * 1024
/** Events of 1 MiB each: 256 MiB in all, sixteen times the default bound. */
const EVENT_COUNT = 256
const FRAME = Buffer.from(`data: ${'x'.repeat(MiB)}\n\n`)
/** How often the upstream measures memory while it sends. */
const SAMPLE_EVERY = 64
/**
 * What memory may grow by while the call runs and once it returned (its result held): the
 * events collected, within the bound, plus the chunks in flight and the parser's buffer.
 */
const ALLOWED_GROWTH = DEFAULT_MAX_COLLECTED_BYTES + 32 * MiB

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

describe('collecting the events of a large upstream', () => {
  it('sseRequest stays within maxCollectedBytes while 256 MiB of events arrive', async () => {
    const before = usedMemory()
    const upstream = await largeEventUpstream(before)
    const result = await sseRequest({ url: upstream.url })
    // Measured while the result is still held.
    const after = usedMemory() - before
    expect(upstream.peak()).toBeLessThan(ALLOWED_GROWTH)
    expect(after).toBeLessThan(ALLOWED_GROWTH)
    expect(result.truncated).toBe(true)
    // Exactly at the bound: 16 events of 1 MiB.
    expect(result.events).toHaveLength(DEFAULT_MAX_COLLECTED_BYTES / MiB)
  })

  it('stream.request forwards all 256 MiB to a fast client in bounded memory', async () => {
    const before = usedMemory()
    const upstream = await largeEventUpstream(before)
    let relayed: Promise<SseRequestResult> | undefined
    const options: SseRequestOptions = { url: upstream.url, forward: true }
    const downstream = await listen((req, res) => {
      const stream = createSseStream(createNodeSink(req, res), { heartbeat: 0 })
      relayed = stream.request(options).finally(() => {
        stream.close()
      })
    })
    servers.push(downstream)
    const received = await countEvents(downstream.url)
    const result = await (relayed as Promise<SseRequestResult>)
    const after = usedMemory() - before
    expect(upstream.peak()).toBeLessThan(ALLOWED_GROWTH)
    expect(after).toBeLessThan(ALLOWED_GROWTH)
    expect(received).toBe(EVENT_COUNT)
    expect(result.clientDisconnected).toBe(false)
    expect(result.truncated).toBe(true)
    expect(result.events).toHaveLength(DEFAULT_MAX_COLLECTED_BYTES / MiB)
  })

  it('sseRequest keeps small events without the large chunks they arrived in', async () => {
    const padding = `: ${'p'.repeat(64 * 1024)}\n`
    const count = 2048 // 128 MiB of chunks, 40 KiB of events
    const before = usedMemory()
    const upstream = await startUpstream(async (call) => {
      for (let i = 0; i < count; i++) {
        if (!(await call.write(`${padding}data: ${String(i).padStart(20, '0')}\n\n`))) return
      }
      call.end()
    })
    servers.push(upstream)
    const result = await sseRequest({ url: upstream.url })
    const after = usedMemory() - before
    expect(after).toBeLessThan(32 * MiB)
    expect(result.events).toHaveLength(count)
    expect(result.events.at(-1)).toEqual({ data: String(count - 1).padStart(20, '0') })
  })
})
