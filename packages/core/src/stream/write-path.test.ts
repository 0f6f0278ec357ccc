import type { EventSourceMessage } from 'eventsource-parser'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { transports, type Served } from '@ssekit/test-helpers/transports'
import type { SseEvent } from '../event/format.js'
import type { SseStream } from './stream.js'

/** Text without the characters that cannot appear in an event type or id. */
const lineSafe = fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !/[\r\n\0]/.test(s))
/** Text rich in line breaks of every kind, and in astral and combining characters. */
const anyText = fc.string({
  unit: fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom('\n', '\r', '\r\n', '\u2028', '\u{1F600}', 'e\u0301') },
    { weight: 8, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }
  ),
  maxLength: 200,
})
const arbitraryEvent: fc.Arbitrary<SseEvent> = fc.record(
  {
    event: lineSafe,
    id: lineSafe,
    data: fc.oneof(anyText, fc.jsonValue({ maxDepth: 3 })),
    comment: anyText,
    retry: fc.nat(),
  },
  { requiredKeys: ['data'] }
)

/** What a client parser reports for an event, given what was sent. */
function expected(event: SseEvent): EventSourceMessage {
  const data =
    typeof event.data === 'string'
      ? event.data.replace(/\r\n|\r/g, '\n')
      : JSON.stringify(event.data)
  return { event: event.event === '' ? undefined : event.event, id: event.id, data }
}

describe.each(transports)('the write path over $name', (transport) => {
  const pending: SseStream[] = []
  let served: Served
  beforeAll(async () => {
    served = await transport.serve((stream) => {
      pending.push(stream.init())
    })
  })
  afterAll(() => served.close())

  it('delivers arbitrary events exactly as a client parser reads them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbitraryEvent, { minLength: 1, maxLength: 8 }), async (events) => {
        const opening = served.open()
        while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve))
        const stream = pending.shift()!
        const client = await opening
        for (const event of events) await stream.send(event)
        stream.close()
        await client.reader.ended
        expect(client.reader.events).toEqual(events.map(expected))
      }),
      { numRuns: 60 }
    )
  })
})
