import { createParser, type EventSourceMessage } from 'eventsource-parser'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatEvent, type SseEvent } from './format.js'

/** Parses frames the way a client does, collecting events, comments and retry values. */
function parse(text: string): {
  events: EventSourceMessage[]
  comments: string[]
  retry: number[]
} {
  const events: EventSourceMessage[] = []
  const comments: string[] = []
  const retry: number[] = []
  const parser = createParser({
    onEvent: (event) => events.push(event),
    onComment: (comment) => comments.push(comment),
    onRetry: (ms) => retry.push(ms),
  })
  parser.feed(text)
  return { events, comments, retry }
}

describe('formatEvent', () => {
  it.each<[string, SseEvent, string]>([
    ['plain data', { data: 'hi' }, 'data: hi\n\n'],
    [
      'typed event with id',
      { event: 'tick', id: '7', data: 'x' },
      'event: tick\nid: 7\ndata: x\n\n',
    ],
    ['LF data', { data: 'a\nb' }, 'data: a\ndata: b\n\n'],
    ['CR data', { data: 'a\rb' }, 'data: a\ndata: b\n\n'],
    ['CRLF data', { data: 'a\r\nb' }, 'data: a\ndata: b\n\n'],
    [
      'mixed line breaks',
      { data: 'a\n\rb\r\n\nc' },
      'data: a\ndata: \ndata: b\ndata: \ndata: c\n\n',
    ],
    ['empty string data', { data: '' }, 'data: \n\n'],
    ['trailing newline', { data: 'a\n' }, 'data: a\ndata: \n\n'],
    ['leading spaces kept', { data: '  x' }, 'data:   x\n\n'],
    ['object data as JSON', { data: { n: 1, s: 'a\nb' } }, 'data: {"n":1,"s":"a\\nb"}\n\n'],
    ['number data as JSON', { data: 0 }, 'data: 0\n\n'],
    ['null data as JSON', { data: null }, 'data: null\n\n'],
    ['array data as JSON', { data: [1, 'two'] }, 'data: [1,"two"]\n\n'],
    ['empty id resets Last-Event-ID', { id: '' }, 'id: \n\n'],
    ['retry 0 is sent', { retry: 0 }, 'retry: 0\n\n'],
    ['comment', { comment: 'hello' }, ': hello\n\n'],
    ['multi-line comment', { comment: 'a\r\nb\rc' }, ': a\n: b\n: c\n\n'],
    ['event without data gets empty data', { event: 'ping' }, 'event: ping\ndata: \n\n'],
    [
      'every field in wire order',
      { comment: 'c', event: 'e', id: 'i', retry: 5, data: 'd' },
      ': c\nevent: e\nid: i\nretry: 5\ndata: d\n\n',
    ],
  ])('writes %s', (_name, event, frame) => {
    expect(formatEvent(event)).toBe(frame)
  })

  it('round-trips data through a client parser', () => {
    const { events } = parse(formatEvent({ event: 'x', id: '1', data: 'a\r\n\nb\r' }))
    expect(events).toEqual([{ event: 'x', id: '1', data: 'a\n\nb\n' }])
  })

  it('dispatches an event without data to its listener, with empty data', () => {
    expect(parse(formatEvent({ event: 'ping' })).events).toEqual([
      { event: 'ping', id: undefined, data: '' },
    ])
  })

  it.each<[string, SseEvent]>([
    ['comment', { comment: 'x' }],
    ['id', { id: '3' }],
    ['retry', { retry: 100 }],
  ])('dispatches nothing for a frame with only %s', (_name, event) => {
    expect(parse(formatEvent(event)).events).toEqual([])
  })

  it('sends retry values the client accepts', () => {
    expect(parse(formatEvent({ retry: 0 })).retry).toEqual([0])
    expect(parse(formatEvent({ retry: 2 ** 31 - 1 })).retry).toEqual([2 ** 31 - 1])
  })

  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  it.each<[string, unknown, RegExp]>([
    ['LF in event', { event: 'a\nb' }, /"event" must not contain CR or LF/],
    ['CR in event', { event: 'a\rb' }, /"event" must not contain CR or LF/],
    ['LF in id', { id: '1\ndata: forged' }, /"id" must not contain CR or LF/],
    ['CR in id', { id: '1\r' }, /"id" must not contain CR or LF/],
    ['NUL in id', { id: 'a\0b' }, /"id" must not contain NUL/],
    ['negative retry', { retry: -1 }, /"retry" must be a whole number of milliseconds/],
    ['fractional retry', { retry: 1.5 }, /"retry" must be a whole number of milliseconds/],
    ['NaN retry', { retry: NaN }, /"retry" must be a whole number of milliseconds/],
    ['infinite retry', { retry: Infinity }, /"retry" must be a whole number of milliseconds/],
    ['unsafe integer retry', { retry: 1e21 }, /"retry" must be a whole number of milliseconds/],
    ['string retry', { retry: '5' }, /"retry" must be a whole number of milliseconds/],
    ['cyclic data', { data: cycle }, /"data" cannot be JSON-encoded/],
    ['BigInt data', { data: 10n }, /"data" cannot be JSON-encoded/],
    ['BigInt inside data', { data: { n: 10n } }, /"data" cannot be JSON-encoded/],
    ['function data', { data: () => 1 }, /"data" cannot be JSON-encoded: got a function/],
    ['symbol data', { data: Symbol('s') }, /"data" cannot be JSON-encoded: got symbol/],
    ['numeric id', { id: 5 }, /"id" must be a string; got number 5/],
    ['numeric event', { event: 1 }, /"event" must be a string/],
    ['object comment', { comment: {} }, /"comment" must be a string/],
    ['null event object', null, /must be an object/],
    ['string event object', 'data: x', /must be an object/],
    ['empty event', {}, /none of comment, event, id, retry or data/],
  ])('rejects %s with a TypeError', (_name, event, message) => {
    expect(() => formatEvent(event as SseEvent)).toThrow(TypeError)
    expect(() => formatEvent(event as SseEvent)).toThrow(message)
  })

  class Point {
    constructor(
      readonly x: number,
      readonly y: number
    ) {}
    toJSON(): string {
      return `${this.x},${this.y}`
    }
  }
  class Plain {
    readonly kind = 'plain'
  }
  class Table extends Map<string, number> {
    toJSON(): Record<string, number> {
      return Object.fromEntries(this)
    }
  }
  it.each<[string, unknown, RegExp]>([
    ['Map', new Map([['a', 1]]), /"data" is of type Map, .*\{\}: pass Object\.fromEntries\(map\)/],
    ['Set', new Set([1]), /"data" is of type Set, .*\{\}: pass \[\.\.\.set\]/],
    ['WeakMap', new WeakMap(), /"data" is of type WeakMap,/],
    ['WeakSet', new WeakSet(), /"data" is of type WeakSet,/],
    ['ArrayBuffer', new ArrayBuffer(2), /"data" is of type ArrayBuffer, .*pass Array\.from/],
    ['SharedArrayBuffer', new SharedArrayBuffer(2), /"data" is of type SharedArrayBuffer,/],
    ['Uint8Array', new Uint8Array([1, 2]), /"data" is of type Uint8Array, .*object of indices/],
    ['Float64Array', new Float64Array([1]), /"data" is of type Float64Array,/],
    ['DataView', new DataView(new ArrayBuffer(1)), /"data" is of type DataView,/],
  ])('refuses %s data, which JSON would empty, naming the fix', (_name, data, message) => {
    expect(() => formatEvent({ data })).toThrow(TypeError)
    expect(() => formatEvent({ data })).toThrow(message)
  })

  it.each<[string, unknown, string]>([
    ['a Date', new Date(0), '"1970-01-01T00:00:00.000Z"'],
    ['a class instance with toJSON', new Point(1, 2), '"1,2"'],
    ['a class instance without toJSON', new Plain(), '{"kind":"plain"}'],
    ['a Map subclass with toJSON', new Table([['a', 1]]), '{"a":1}'],
    [
      'an object without prototype',
      Object.assign(Object.create(null) as object, { a: 1 }),
      '{"a":1}',
    ],
    ['a Map nested in an object (the caller’s to convert)', { m: new Map() }, '{"m":{}}'],
    ['Buffer (has toJSON)', Buffer.from('hi'), '{"type":"Buffer","data":[104,105]}'],
  ])('JSON-encodes %s', (_name, data, json) => {
    expect(formatEvent({ data })).toBe(`data: ${json}\n\n`)
  })

  it('keeps the cause of a failed JSON encoding', () => {
    const error = (() => {
      try {
        formatEvent({ data: 1n })
      } catch (caught) {
        return caught as TypeError
      }
    })()
    expect(error?.cause).toBeInstanceOf(TypeError)
  })

  const lineBreakHeavy = fc.string({
    unit: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('\n', '\r', '\r\n') },
      { weight: 7, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }
    ),
  })
  const lineSafe = fc.string({ unit: 'binary' }).filter((s) => !/[\r\n\0]/.test(s))

  it('gives back the same event through a client parser, for arbitrary text and line breaks', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            event: lineSafe,
            id: lineSafe,
            data: fc.oneof(lineBreakHeavy, fc.jsonValue()),
            comment: lineBreakHeavy,
          },
          { requiredKeys: ['data'] }
        ),
        (event) => {
          const { events, comments } = parse(formatEvent(event))
          // The event-stream format has one line terminator on the client side: LF.
          const data =
            typeof event.data === 'string'
              ? event.data.replace(/\r\n|\r/g, '\n')
              : JSON.stringify(event.data)
          expect(events).toEqual([
            // The parser reports an empty event type as absent ("message").
            { event: event.event === '' ? undefined : event.event, id: event.id, data },
          ])
          const expectedComments =
            event.comment === undefined ? [] : event.comment.split(/\r\n|\r|\n/)
          expect(comments).toEqual(expectedComments)
        }
      ),
      { numRuns: 500 }
    )
  })

  it('rejects any event type or id containing CR or LF', () => {
    const withBreak = fc
      .tuple(fc.string(), fc.constantFrom('\n', '\r', '\r\n'), fc.string())
      .map(([a, br, b]) => a + br + b)
    fc.assert(
      fc.property(withBreak, fc.constantFrom('event', 'id'), (value, field) => {
        expect(() => formatEvent({ [field]: value, data: 'x' })).toThrow(TypeError)
      })
    )
  })
})
