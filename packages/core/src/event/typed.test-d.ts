import { EventSource } from 'eventsource'
import { describe, expectTypeOf, it } from 'vitest'
import { createChannel } from '../channel/channel.js'
import { createRelayHub } from '../relay/hub.js'
import type { RelayHub } from '../relay/hub.js'
import type { Channel } from '../channel/channel.js'
import type { RelayEnd, RelayProducerContext } from '../relay/options.js'
import type { AnySseStream, SseStream } from '../stream/types.js'
import type { SseEvent } from './format.js'
import type { RegisteredEvents, SseEventOf, SseEventSource, UntypedEvents } from './typed.js'

type AppEvents = { tick: { n: number }; message: string; ping: undefined }
interface DeclaredEvents {
  progress: { percent: number }
}

describe('SseEventOf', () => {
  it('accepts each declared event with its data, and frames that dispatch nothing', () => {
    expectTypeOf({ event: 'tick' as const, data: { n: 1 } }).toExtend<SseEventOf<AppEvents>>()
    expectTypeOf({ data: 'text' }).toExtend<SseEventOf<AppEvents>>()
    expectTypeOf({ event: 'message' as const, data: 'text', id: '1' }).toExtend<
      SseEventOf<AppEvents>
    >()
    expectTypeOf({ event: 'ping' as const }).toExtend<SseEventOf<AppEvents>>()
    expectTypeOf({ comment: 'keep-alive' }).toExtend<SseEventOf<AppEvents>>()
    expectTypeOf({ retry: 1000, id: '7' }).toExtend<SseEventOf<AppEvents>>()
  })

  it('refuses unknown names, wrong or missing data, and message data without "message"', () => {
    const ok: SseEventOf<AppEvents>[] = [{ event: 'tick', data: { n: 1 } }]
    // @ts-expect-error an unknown event name
    ok.push({ event: 'tock', data: { n: 1 } })
    // @ts-expect-error the data of another event
    ok.push({ event: 'tick', data: 'text' })
    // @ts-expect-error tick needs its data
    ok.push({ event: 'tick' })
    const declared: SseEventOf<DeclaredEvents>[] = [{ event: 'progress', data: { percent: 5 } }]
    // @ts-expect-error this map has no message entry
    declared.push({ data: 'text' })
    // @ts-expect-error percent is a number
    declared.push({ event: 'progress', data: { percent: '5' } })
  })

  it('is SseEvent for untyped maps, and untyped is the default without a registration', () => {
    expectTypeOf<RegisteredEvents>().toEqualTypeOf<UntypedEvents>()
    expectTypeOf<SseEventOf>().toEqualTypeOf<SseEventOf<UntypedEvents>>()
    expectTypeOf<SseEvent>().toExtend<SseEventOf<UntypedEvents>>()
    expectTypeOf<SseEventOf<UntypedEvents>>().toExtend<SseEvent>()
    expectTypeOf<SseEventOf<AppEvents>>().toExtend<SseEvent>()
  })
})

describe('typed streams, channels and relays', () => {
  it('types send on an SseStream of a map', () => {
    const stream = {} as SseStream<AppEvents>
    void stream.send({ event: 'tick', data: { n: 1 } })
    // @ts-expect-error wrong data
    void stream.send({ event: 'tick', data: { n: '1' } })
    const untyped = {} as SseStream
    void untyped.send({ event: 'anything', data: [1, 2] })
  })

  it('types broadcast on a channel created with a map, and takes any stream', () => {
    const news = createChannel<AppEvents>('news')
    expectTypeOf(news).toEqualTypeOf<Channel<AppEvents>>()
    void news.broadcast({ event: 'tick', data: { n: 1 } }, { meta: 'x' })
    // @ts-expect-error an unknown event name
    void news.broadcast({ event: 'tock', data: 1 })
    news.subscribe({} as SseStream)
    news.subscribe({} as SseStream<DeclaredEvents>)
    const untyped = createChannel('any')
    void untyped.broadcast({ event: 'anything', data: 1 })
    expectTypeOf<ReturnType<typeof createChannel>>().toEqualTypeOf<Channel>()
  })

  it('types what relay producers send, and attaches any stream', () => {
    const hub = createRelayHub<AppEvents>()
    expectTypeOf(hub).toEqualTypeOf<RelayHub<AppEvents>>()
    void hub.start(async (relay) => {
      expectTypeOf(relay).toEqualTypeOf<RelayProducerContext<AppEvents>>()
      await relay.send({ event: 'tick', data: { n: 1 } })
      // @ts-expect-error wrong data
      await relay.send({ event: 'tick', data: 1 })
    })
    void hub.start({ url: 'http://upstream.test/' })
    void hub.attach('id', {} as AnySseStream)
    void hub.attach('id', {} as SseStream<DeclaredEvents>)
    void createRelayHub().start((relay) => relay.send({ event: 'anything', data: null }))
    expectTypeOf<ReturnType<typeof createRelayHub>>().toEqualTypeOf<RelayHub>()
  })
})

describe('SseEventSource', () => {
  it('is what an EventSource is, with listeners of the map only', () => {
    const source: SseEventSource<AppEvents & { end: RelayEnd }> = new EventSource(
      'http://localhost/events'
    )
    source.addEventListener('tick', (event) => {
      expectTypeOf(event.data).toEqualTypeOf<string>()
      expectTypeOf(event.type).toEqualTypeOf<'tick'>()
    })
    source.addEventListener('end', () => source.close(), { once: true })
    // @ts-expect-error not an event of the map
    source.addEventListener('tock', () => undefined)
  })
})
