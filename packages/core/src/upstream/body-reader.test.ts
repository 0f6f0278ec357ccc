import { performance } from 'node:perf_hooks'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { socketCloseDelay, upstreamPerTest } from '@ssekit/test-helpers/upstream'
import { SseTimeoutError, SseUpstreamError } from './errors.js'
import type { UpstreamEvent } from '../event/upstream-event.js'
import type { SseFetch } from './options.js'
import { sseRequest } from './request.js'

const serve = upstreamPerTest()

/** A fetch answering 200 `text/event-stream` with exactly these chunks, one read each. */
function chunkedFetch(chunks: readonly Uint8Array[]): SseFetch {
  return () => {
    let next = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks[next++]
        if (chunk === undefined) controller.close()
        else controller.enqueue(chunk)
      },
    })
    return Promise.resolve(new Response(body, { headers: { 'content-type': 'text/event-stream' } }))
  }
}

async function parse(chunks: readonly Uint8Array[]): Promise<UpstreamEvent[]> {
  const { events } = await sseRequest({ url: 'http://upstream.test/', fetch: chunkedFetch(chunks) })
  return events
}

const encoder = new TextEncoder()

describe('parsing upstream bytes', () => {
  // A BOM, LF, CRLF and lone CR line ends, 2-, 3- and 4-byte UTF-8 characters, a comment, a
  // retry, multi-line data, and a last event ended by CR CR right at the end of the stream.
  const stream = encoder.encode(
    '\uFEFFevent: é\r\nid: €1\r\ndata: 😀 one\r\ndata: two\r\n\r\n' +
      ': comment ünïcode\n' +
      'retry: 2500\rdata: crlf€\r\n\n' +
      'data: lone\rdata: cr 😀\r\r' +
      'event: end\nid: 😀\ndata:\r\r'
  )
  const expected: UpstreamEvent[] = [
    { event: 'é', id: '€1', data: '😀 one\ntwo' },
    { data: 'crlf€' },
    { data: 'lone\ncr 😀' },
    { event: 'end', id: '😀', data: '' },
  ]

  it('parses a mixed CRLF and UTF-8 stream read in one chunk', async () => {
    expect(await parse([stream])).toEqual(expected)
  })

  it('parses it identically when split at every byte offset', async () => {
    for (let offset = 1; offset < stream.length; offset++) {
      const events = await parse([stream.subarray(0, offset), stream.subarray(offset)])
      expect(events, `split at byte ${offset}`).toEqual(expected)
    }
  })

  it('parses it identically when read one byte at a time', async () => {
    const bytes = Array.from(stream, (byte) => Uint8Array.of(byte))
    expect(await parse(bytes)).toEqual(expected)
  })

  it('strips only the first BOM', async () => {
    const events = await parse([encoder.encode('\uFEFFdata: a\n\n\uFEFFdata: b\n\n')])
    // A second BOM is not at the start of the stream: it makes an unknown field, ignored.
    expect(events).toEqual([{ data: 'a' }])
  })

  it('drops an event that the stream ends in the middle of', async () => {
    expect(await parse([encoder.encode('data: a\n\ndata: cut off\n')])).toEqual([{ data: 'a' }])
  })

  it('receives an event of several MiB over a real socket with the default limits', async () => {
    const big = `${'abcdefgh'.repeat(640 * 1024)}\n${'é'.repeat(1000)}` // about 5 MiB
    const { url } = await serve(async (call) => {
      await call.send({ event: 'big', data: big })
      await call.send({ data: 'after' })
      call.end()
    })
    const { events } = await sseRequest({ url })
    expect(events).toHaveLength(2)
    expect(events[0]!.data).toBe(big)
    expect(events[1]).toEqual({ data: 'after' })
  })
})

describe('parsing arbitrary upstream bytes', () => {
  /** Pieces of a byte stream: SSE lines in UTF-8 (multi-byte characters included) or noise. */
  const piece = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('data: ', 'data:', 'id: ', 'event: ', ': ', 'retry: ', ''),
        fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', ':', ' ', '\0'), maxLength: 6 }),
        fc.constantFrom('\n', '\r', '\r\n', '\n\n', '\r\n\r\n', '')
      )
      .map((parts) => encoder.encode(parts.join(''))),
    // Invalid UTF-8: stray continuation bytes, lead bytes without their tail, 0xFF, a BOM.
    fc.uint8Array({ maxLength: 4 }),
    fc.constantFrom(Uint8Array.of(0xef, 0xbb, 0xbf), Uint8Array.of(0xe2, 0x82), Uint8Array.of(0xff))
  )
  const bytes = fc.array(piece, { maxLength: 25 }).map((pieces) => {
    const all = new Uint8Array(pieces.reduce((total, part) => total + part.length, 0))
    let offset = 0
    for (const part of pieces) {
      all.set(part, offset)
      offset += part.length
    }
    return all
  })

  it('gives the same events however the bytes are cut into chunks', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, fc.array(fc.nat(), { maxLength: 10 }), async (stream, offsets) => {
        const points = [...new Set(offsets.map((offset) => offset % (stream.length + 1)))].sort(
          (a, b) => a - b
        )
        const chunks: Uint8Array[] = []
        let start = 0
        for (const point of [...points, stream.length]) {
          chunks.push(stream.subarray(start, point))
          start = point
        }
        expect(await parse(chunks)).toEqual(await parse([stream]))
      }),
      { numRuns: 300 }
    )
  })
})

describe('maxEventSize', () => {
  it('rejects an oversized event with the events before it, and closes the upstream', async () => {
    const { url, call } = await serve(async (call) => {
      await call.send({ id: '1', data: 'small' })
      await call.send({ data: 'y'.repeat(5000) })
      await call.closed
    })
    const error = await sseRequest({ url, maxEventSize: 1000 }).catch((error: unknown) => error)
    const since = performance.now()
    expect(error).toBeInstanceOf(SseUpstreamError)
    expect(error).toMatchObject({
      type: 'event-too-large',
      status: 200,
      events: [{ id: '1', data: 'small' }],
    })
    expect(await socketCloseDelay(await call(0), since)).toBeLessThan(1000)
  })

  it('stops a line that never ends instead of buffering it forever', async () => {
    const { url, call } = await serve(async (call) => {
      await call.write('data: ')
      while (await call.write('z'.repeat(16 * 1024)));
    })
    await expect(sseRequest({ url, maxEventSize: 64 * 1024 })).rejects.toMatchObject({
      type: 'event-too-large',
    })
    const received = await call(0)
    expect(await socketCloseDelay(received, performance.now())).toBeLessThan(1000)
    expect(received.written).toBeLessThan(16 * 1024 * 1024)
  })
})

describe('idleTimeout', () => {
  it('rejects a stall between events with phase idle and the events so far', async () => {
    const { url, call } = await serve(async (call) => {
      await call.send({ data: 'first' })
      await call.closed
    })
    const error = await sseRequest({ url, idleTimeout: 150 }).catch((error: unknown) => error)
    const since = performance.now()
    expect(error).toBeInstanceOf(SseTimeoutError)
    expect(error).toMatchObject({ phase: 'idle', timeout: 150, events: [{ data: 'first' }] })
    expect(await socketCloseDelay(await call(0), since)).toBeLessThan(1000)
  })

  it('rejects a stall inside a half-received event', async () => {
    const { url, call } = await serve(async (call) => {
      await call.write('event: partial\ndata: hal')
      await call.closed
    })
    const started = performance.now()
    await expect(sseRequest({ url, idleTimeout: 150 })).rejects.toMatchObject({
      name: 'SseTimeoutError',
      phase: 'idle',
      events: [],
    })
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(await socketCloseDelay(await call(0), performance.now())).toBeLessThan(1000)
  })

  it('rejects a stall right after the headers', async () => {
    const { url } = await serve(async (call) => {
      call.open()
      await call.closed
    })
    await expect(sseRequest({ url, idleTimeout: 100 })).rejects.toMatchObject({ phase: 'idle' })
  })

  it('counts upstream comments as life', async () => {
    const { url } = await serve(async (call) => {
      call.open()
      // More than the idle timeout in total, a tenth of it between bytes.
      for (let i = 0; i < 12; i++) {
        await new Promise((resolve) => setTimeout(resolve, 30))
        await call.write(':\n\n')
      }
      await call.send({ data: 'done' })
      call.end()
    })
    expect((await sseRequest({ url, idleTimeout: 300 })).events).toEqual([{ data: 'done' }])
  })
})
