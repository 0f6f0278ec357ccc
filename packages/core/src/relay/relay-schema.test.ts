import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { upstreamPerTest } from '@ssekit/test-helpers/upstream'
import { client, ids, relayHubs } from '../../../../test/helpers/relay-client.js'
import { SseInvalidEventError } from '../upstream/schema.js'

const serveUpstream = upstreamPerTest()

const hub = relayHubs()

/** The frames a client received, one string, without the `open` and the end of the response. */
function frames(io: readonly string[]): string {
  return io.filter((entry) => entry !== 'open' && entry !== 'end').join('')
}

const price = z.object({ symbol: z.string(), price: z.number() })

describe('a relay of an upstream with a schema', () => {
  it('keeps the validated data in its log, JSON-encoded, with the relay’s ids', async () => {
    const upstream = await serveUpstream((call) => {
      call.end(
        'event: price\nid: up-1\ndata: {"symbol":"ACME","price":12.5,"extra":true}\n\n' +
          'data: {"symbol":"XYZ","price":3}\n\n'
      )
    })
    const relays = hub()
    const relay = await relays.start({ url: upstream.url, schema: price })
    expect(await relay.done).toEqual({ status: 'done' })
    const c = client()
    await relays.attach(relay.id, c.stream)
    // Zod's output: the unknown key is gone.
    expect(frames(c.io)).toBe(
      'event: price\nid: 1\ndata: {"symbol":"ACME","price":12.5}\n\n' +
        'id: 2\ndata: {"symbol":"XYZ","price":3}\n\n' +
        'event: end\ndata: {"status":"done"}\n\n'
    )
  })

  it('ends failed at the first invalid event, after the ones before, and reports it', async () => {
    const upstream = await serveUpstream(async (call) => {
      await call.send({ data: '{"symbol":"ACME","price":1}' })
      await call.send({ id: 'bad', data: '{"symbol":"ACME","price":"one"}' })
      await call.send({ data: '{"symbol":"ACME","price":2}' })
    })
    const errors: unknown[] = []
    const relays = hub({ onError: (error) => errors.push(error) })
    const relay = await relays.start({ url: upstream.url, schema: price })
    expect(await relay.done).toEqual({ status: 'failed', reason: 'upstream-error' })
    await (
      await upstream.call(0)
    ).closed
    expect(errors).toHaveLength(1)
    const error = errors[0] as SseInvalidEventError
    expect(error).toBeInstanceOf(SseInvalidEventError)
    expect(error.event).toMatchObject({ id: 'bad', data: '{"symbol":"ACME","price":"one"}' })
    const c = client()
    await relays.attach(relay.id, c.stream)
    expect(ids(c.io)).toEqual(['1'])
    expect(c.io.at(-2)).toBe('event: end\ndata: {"status":"failed","reason":"upstream-error"}\n\n')
  })

  it('skips invalid events with invalidEvents: skip, its ids without a gap', async () => {
    const upstream = await serveUpstream((call) => {
      call.end(
        'data: {"delta":"Hel"}\n\ndata: {"delta":7}\n\ndata: not json\n\ndata: {"delta":"lo"}\n\n'
      )
    })
    const relays = hub()
    const relay = await relays.start({
      url: upstream.url,
      schema: v.object({ delta: v.string() }),
      invalidEvents: 'skip',
    })
    expect(await relay.done).toEqual({ status: 'done' })
    expect(await relays.get(relay.id)).toEqual({ id: relay.id, status: 'done', events: 2 })
    const c = client()
    await relays.attach(relay.id, c.stream)
    expect(frames(c.io)).toBe(
      'id: 1\ndata: {"delta":"Hel"}\n\nid: 2\ndata: {"delta":"lo"}\n\n' +
        'event: end\ndata: {"status":"done"}\n\n'
    )
  })
})
