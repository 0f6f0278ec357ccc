import * as v from 'valibot'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { createWebSink } from '../sink/web-sink.js'
import { createSseStream } from '../stream/stream.js'
import { readEvents } from '@ssekit/test-helpers/read-events'
import { sseEvents } from './iterate.js'
import { sseRequest } from './request.js'
import { SseInvalidEventError } from './schema.js'

let upstream: Upstream | undefined
afterEach(async () => {
  await upstream?.close()
  upstream = undefined
})

/** An upstream that sends `body` as is and ends. */
async function sending(body: string): Promise<string> {
  upstream = await startUpstream((call) => {
    call.end(body)
  })
  return upstream.url
}

const price = z.object({ symbol: z.string(), price: z.number() })
const delta = v.object({ delta: v.string() })

const valid = 'event: price\nid: 1\ndata: {"symbol":"ACME","price":12.5,"extra":true}\n\n'
const invalid = 'id: 2\ndata: {"symbol":"ACME","price":"twelve"}\n\n'

describe('the schema option', () => {
  it('parses and validates each event with a Zod schema', async () => {
    const url = await sending(valid + 'data: {"symbol":"XYZ","price":3}\n\n')
    const { events } = await sseRequest({ url, schema: price })
    // Zod's output: unknown keys stripped.
    expect(events).toEqual([
      { event: 'price', id: '1', data: { symbol: 'ACME', price: 12.5 } },
      { data: { symbol: 'XYZ', price: 3 } },
    ])
  })

  it('parses and validates each event with a Valibot schema, async checks included', async () => {
    const url = await sending('data: {"delta":"Hel"}\n\ndata: {"delta":"lo"}\n\n')
    const schema = v.pipeAsync(
      delta,
      v.checkAsync((value) => Promise.resolve(value.delta !== ''), 'empty delta')
    )
    const deltas: string[] = []
    for await (const event of sseEvents({ url, schema })) deltas.push(event.data.delta)
    expect(deltas).toEqual(['Hel', 'lo'])
  })

  it('fails at an invalid event, with the event and the issues attached, after the ones before', async () => {
    const url = await sending(valid + invalid + valid)
    const seen: unknown[] = []
    let failure: unknown
    try {
      for await (const event of sseEvents({ url, schema: price })) seen.push(event.data)
    } catch (error) {
      failure = error
    }
    expect(seen).toEqual([{ symbol: 'ACME', price: 12.5 }])
    expect(failure).toBeInstanceOf(SseInvalidEventError)
    const error = failure as SseInvalidEventError
    expect(error.event).toEqual({ id: '2', data: '{"symbol":"ACME","price":"twelve"}' })
    expect(error.issues[0]?.path).toEqual(['price'])
    expect(error.message).toMatch(/does not match the schema: .* at price\.$/)
    expect(error.message).not.toContain('twelve')
    expect(error.url).toBe(url.replace(/\/$/, '') + '/')
  })

  it('rejects sseRequest with the invalid event, closes the upstream and does not reconnect', async () => {
    upstream = await startUpstream(async (call) => {
      // Held open: the call must close it.
      await call.write(invalid)
    })
    const failure = sseRequest({ url: upstream.url, schema: price, reconnect: { initialDelay: 1 } })
    await expect(failure).rejects.toBeInstanceOf(SseInvalidEventError)
    await (
      await upstream.call(0)
    ).closed
    expect(upstream.calls).toHaveLength(1)
  })

  it('skips invalid events with invalidEvents: skip', async () => {
    const url = await sending(valid + invalid + 'data: not json\n\n' + valid)
    const logged: string[] = []
    const { events } = await sseRequest({
      url,
      schema: price,
      invalidEvents: 'skip',
      debug: (message) => logged.push(message),
    })
    expect(events.map((event) => event.id)).toEqual(['1', '1'])
    expect(logged.filter((message) => message === 'invalid-event')).toHaveLength(2)
  })

  it('calls data that is not JSON invalid; transform can drop a sentinel first', async () => {
    const url = await sending('data: {"delta":"a"}\n\ndata: [DONE]\n\n')
    await expect(sseRequest({ url, schema: delta })).rejects.toThrow(/data is not JSON/)
    const { events } = await sseRequest({
      url,
      schema: delta,
      transform: (event) => (event.data === '[DONE]' ? null : event),
    })
    expect(events).toEqual([{ data: { delta: 'a' } }])
  })

  it('leaves data as text without a schema', async () => {
    const url = await sending(valid + 'data: not json\n\n')
    const { events } = await sseRequest({ url })
    expect(events.map((event) => event.data)).toEqual([
      '{"symbol":"ACME","price":12.5,"extra":true}',
      'not json',
    ])
  })

  it("forwards the schema's output, JSON-encoded, through stream.request", async () => {
    const url = await sending(valid)
    const sink = createWebSink(undefined)
    const stream = createSseStream(sink, { heartbeat: 0 })
    const reader = readEvents(sink.body)
    const { events } = await stream.request({ url, schema: price, forward: true })
    stream.close()
    await reader.ended
    expect(events[0]?.data.price).toBe(12.5)
    expect(reader.events).toMatchObject([
      { event: 'price', id: '1', data: '{"symbol":"ACME","price":12.5}' },
    ])
  })

  it('rejects a schema that is not a Standard Schema, and a bad invalidEvents', async () => {
    const url = 'http://upstream.test/'
    await expect(sseRequest({ url, schema: {} as never })).rejects.toThrow(
      /"schema" must be a Standard Schema/
    )
    expect(() => sseEvents({ url, schema: price, invalidEvents: 'drop' as never })).toThrow(
      /"invalidEvents" must be 'error' or 'skip'/
    )
    expect(() => sseEvents({ url, invalidEvents: 'skip' })).toThrow(/without a "schema"/)
  })
})
