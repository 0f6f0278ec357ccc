import { describe, expect, it } from 'vitest'
import type { Backplane } from './backplane.js'
import { createChannel, type Channel } from './channel.js'
import { createMemoryBackplane } from './memory-backplane.js'
import { createSseStream, type SseStream } from '../stream/stream.js'
import { recordingSink } from '@ssekit/test-helpers/recording-sink'

/** A memory backplane that counts the calls a channel makes to it. */
function countingBackplane(): Backplane & { readonly calls: string[] } {
  const inner = createMemoryBackplane()
  const calls: string[] = []
  return {
    calls,
    publish: (...args) => {
      calls.push('publish')
      return inner.publish(...args)
    },
    subscribe: (...args) => {
      calls.push('subscribe')
      return inner.subscribe(...args)
    },
    replay: (...args) => {
      calls.push('replay')
      return inner.replay(...args)
    },
  }
}

const bad = (value: unknown): never => value as never

interface Fixture {
  channel: Channel
  /** A stream not yet started. */
  fresh: SseStream
  /** A stream already subscribed to `channel`. */
  subscribed: SseStream
}

/** `meta` that JSON cannot encode, refused by every backplane alike. */
function metaRows(): { call: string; run: (fixture: Fixture) => unknown; message: RegExp }[] {
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  const rows: [string, unknown, RegExp][] = [
    ['a cycle', cycle, /"meta" must be JSON-serializable \(.*circular/],
    ['a BigInt', 1n, /"meta" must be JSON-serializable \(.*BigInt/],
    ['a BigInt inside', { n: 1n }, /"meta" must be JSON-serializable/],
    ['a function', () => 1, /"meta" must be JSON-serializable; got a function/],
    ['a symbol', Symbol('room'), /"meta" must be JSON-serializable; got symbol/],
  ]
  return rows.map(([what, meta, message]) => ({
    call: `broadcast(event, { meta: ${what} })`,
    run: ({ channel }: Fixture) => channel.broadcast({ data: 'x' }, { meta }),
    message,
  }))
}

/** Bad calls of the channel API, each with what its TypeError must name. */
const rows: { call: string; run: (fixture: Fixture) => unknown; message: RegExp }[] = [
  { call: 'createChannel()', run: () => createChannel(bad(undefined)), message: /channel name/ },
  { call: "createChannel('')", run: () => createChannel(''), message: /non-empty string/ },
  { call: 'createChannel(42)', run: () => createChannel(bad(42)), message: /channel name/ },
  {
    call: "createChannel('news', 'redis')",
    run: () => createChannel('news', bad('redis')),
    message: /Channel options must be an object/,
  },
  {
    call: "createChannel('news', { backplane: {} })",
    run: () => createChannel('news', { backplane: bad({}) }),
    message: /"backplane" must have publish, subscribe and replay/,
  },
  {
    call: "createChannel('news', { ids: 'yes' })",
    run: () => createChannel('news', { ids: bad('yes') }),
    message: /"ids" must be a boolean/,
  },
  {
    call: "createChannel('news', { history: true })",
    run: () => createChannel('news', { history: bad(true) }),
    message: /"history" must be an object/,
  },
  {
    call: "createChannel('news', { history: { maxEvents: -1 } })",
    run: () => createChannel('news', { history: { maxEvents: -1 } }),
    message: /"history.maxEvents"/,
  },
  {
    call: "createChannel('news', { history: { maxBytes: NaN } })",
    run: () => createChannel('news', { history: { maxBytes: NaN } }),
    message: /"history.maxBytes"/,
  },
  {
    call: "createChannel('news', { history: { maxAge: '5m' } })",
    run: () => createChannel('news', { history: { maxAge: bad('5m') } }),
    message: /"history.maxAge"/,
  },
  {
    call: "createChannel('news', { resyncEvent: 'a\\nb' })",
    run: () => createChannel('news', { resyncEvent: 'a\nb' }),
    message: /"resyncEvent" must be a non-empty event type without CR or LF/,
  },
  {
    call: "createChannel('news', { onError: 'log' })",
    run: () => createChannel('news', { onError: bad('log') }),
    message: /"onError" must be a function/,
  },
  {
    call: 'subscribe()',
    run: ({ channel }) => channel.subscribe(bad(undefined)),
    message: /subscribe\(\) needs the SseStream of a request/,
  },
  {
    call: 'subscribe(res)',
    run: ({ channel }) => channel.subscribe(bad({ write: () => true })),
    message: /subscribe\(\) needs the SseStream/,
  },
  {
    call: "subscribe(stream, 'all')",
    run: ({ channel, fresh }) => channel.subscribe(fresh, bad('all')),
    message: /Subscribe options must be an object/,
  },
  {
    call: "subscribe(stream, { filter: 'red' })",
    run: ({ channel, fresh }) => channel.subscribe(fresh, { filter: bad('red') }),
    message: /"filter" must be a function/,
  },
  {
    call: 'subscribe(stream, { lastEventId: 5 })',
    run: ({ channel, fresh }) => channel.subscribe(fresh, { lastEventId: bad(5) }),
    message: /"lastEventId" must be a string or null/,
  },
  {
    call: 'broadcast()',
    run: ({ channel }) => channel.broadcast(bad(undefined)),
    message: /The event must be an object/,
  },
  {
    call: "broadcast({ event: 'a\\r\\nid: 9' })",
    run: ({ channel }) => channel.broadcast({ event: 'a\r\nid: 9', data: 'x' }),
    message: /field "event" must not contain CR or LF/,
  },
  {
    call: "broadcast({ id: 'a\\0b' })",
    run: ({ channel }) => channel.broadcast({ id: 'a\0b', data: 'x' }),
    message: /field "id" must not contain NUL/,
  },
  {
    call: 'broadcast({ retry: Infinity })',
    run: ({ channel }) => channel.broadcast({ retry: Infinity, data: 'x' }),
    message: /field "retry"/,
  },
  {
    call: 'broadcast({ data: 1n })',
    run: ({ channel }) => channel.broadcast({ data: 1n }),
    message: /field "data" cannot be JSON-encoded/,
  },
  {
    call: 'broadcast({ data: new Set() })',
    run: ({ channel }) => channel.broadcast({ data: new Set([1]) }),
    message: /field "data" is of type Set, .*\[\.\.\.set\]/,
  },
  ...metaRows(),
  {
    call: "broadcast(event, 'room-1')",
    run: ({ channel }) => channel.broadcast({ data: 'x' }, bad('room-1')),
    message: /Broadcast options must be an object/,
  },
]

describe('the channel API given bad arguments', () => {
  it.each(rows)(
    '$call fails with a TypeError naming it, before any publish or write',
    async ({ run, message }) => {
      const backplane = countingBackplane()
      const channel = createChannel('news', { backplane })
      const freshSink = recordingSink()
      const fresh = createSseStream(freshSink, { heartbeat: 0 })
      const subscribedSink = recordingSink()
      const subscribed = createSseStream(subscribedSink, { heartbeat: 0 })
      await channel.subscribe(subscribed).ready
      const calls = [...backplane.calls]
      const written = [...subscribedSink.io]

      let error: unknown
      try {
        await run({ channel, fresh, subscribed })
      } catch (caught) {
        error = caught
      }

      expect(error).toBeInstanceOf(TypeError)
      expect((error as TypeError).message).toMatch(message)
      expect(backplane.calls).toEqual(calls)
      expect(subscribedSink.io).toEqual(written)
      expect(freshSink.io).toEqual([])
      expect(channel.size).toBe(1)
      // The channel still works for everyone else.
      await channel.broadcast({ data: 'fine' })
      expect(subscribedSink.io.at(-1)).toMatch(/data: fine\n\n$/)
    }
  )
})
