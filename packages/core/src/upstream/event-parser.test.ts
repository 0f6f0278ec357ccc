import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EventParser, type StreamPosition } from './event-parser.js'
import type { UpstreamEvent } from '../event/upstream-event.js'

interface Parsed extends StreamPosition {
  events: UpstreamEvent[]
  frames: number
  midFrame: boolean
  ok: boolean
}

/** Parses `chunks` with a fresh parser and reports everything it observed. */
function parse(chunks: readonly string[], maxSize = 1 << 20, end = false): Parsed {
  const events: UpstreamEvent[] = []
  const position: StreamPosition = { lastEventId: undefined, retry: undefined }
  const parser = new EventParser((event) => events.push(event), position, maxSize)
  let ok = true
  for (const chunk of chunks) ok = parser.feed(chunk) && ok
  if (end) ok = parser.end() && ok
  return { events, ...position, frames: parser.frames, midFrame: parser.midFrame, ok }
}

describe('EventParser', () => {
  it.each<[string, string, UpstreamEvent[]]>([
    ['a one-line event', 'data: a\n\n', [{ data: 'a' }]],
    ['multi-line data joined with LF', 'data: a\ndata:b\ndata:  c\n\n', [{ data: 'a\nb\n c' }]],
    [
      'CRLF and CR line ends',
      'data: a\r\ndata: b\r\r\ndata: c\r\r',
      [{ data: 'a\nb' }, { data: 'c' }],
    ],
    ['a type and an id', 'event: e\nid: 7\ndata: x\n\n', [{ event: 'e', id: '7', data: 'x' }]],
    ['an empty type as the default', 'event:\ndata: x\n\n', [{ data: 'x' }]],
    ['a field name without a colon', 'data\n\n', [{ data: '' }]],
    ['an id with NUL ignored', 'id: a\0b\ndata: x\n\n', [{ data: 'x' }]],
    ['comments and unknown fields skipped', ': hi\nfoo: bar\ndata: x\n\n', [{ data: 'x' }]],
    ['a frame without data dispatching nothing', 'event: e\nid: 1\n\n', []],
    ['a frame cut off at the end', 'data: a\n\ndata: b\n', [{ data: 'a' }]],
    ['field values keeping colons', 'data: a: b\n\n', [{ data: 'a: b' }]],
  ])('parses %s', (_case, text, expected) => {
    expect(parse([text], 1 << 20, true).events).toEqual(expected)
  })

  it('keeps the last event id across events, and an empty id resets it', () => {
    expect(parse(['id: 1\ndata: a\n\ndata: b\n\n']).lastEventId).toBe('1')
    expect(parse(['id: 1\ndata: a\n\nid\ndata: b\n\n']).lastEventId).toBe('')
    // Set only when the frame ends, as the spec's last event ID string is.
    expect(parse(['id: 1\ndata: a\n\nid: 2\n']).lastEventId).toBe('1')
    // A frame without data dispatches nothing, yet its id counts.
    expect(parse(['id: 1\ndata: a\n\nid: 2\n\n'])).toMatchObject({
      lastEventId: '2',
      events: [{ id: '1', data: 'a' }],
    })
    expect(parse(['id: 1\ndata: a\n\nid\n\n']).lastEventId).toBe('')
    expect(parse(['id: 1\r\n\r\nid: 2\n', ': comment\n\n']).lastEventId).toBe('2')
    expect(parse(['i', 'd', ':', ' 7', '\r', '\n', '\r']).lastEventId).toBe('7')
    expect(parse(['id: a\u0000b\n\n', 'idx: 3\n\n', 'data: x\nid: 4']).lastEventId).toBe(undefined)
  })

  it('completes a last line ended by CR when the text ends', () => {
    expect(parse(['data: x\r\r']).events).toEqual([])
    expect(parse(['data: x\r\r'], 1 << 20, true).events).toEqual([{ data: 'x' }])
    expect(parse(['data: x\r\n\r\n'], 1 << 20, true).events).toEqual([{ data: 'x' }])
  })

  it('records valid retry values, however large, and ignores the rest', () => {
    expect(parse(['retry: 2500\n\n']).retry).toBe(2500)
    expect(parse(['retry: 99999999999999999999999\n\n']).retry).toBe(1e23)
    expect(parse(['retry: 10\nretry: -1\nretry: 1.5\nretry: x\n\n']).retry).toBe(10)
  })

  it('knows when the upstream is in the middle of something, not after a comment', () => {
    expect(parse(['data: a\n\n'])).toMatchObject({ midFrame: false, frames: 1 })
    expect(parse([': ping\n']).midFrame).toBe(false)
    expect(parse([': pi']).midFrame).toBe(true)
    expect(parse(['data: a\n']).midFrame).toBe(true)
    expect(parse(['data: a\n\nda']).midFrame).toBe(true)
  })

  it('stops at maxSize for an unterminated line and for an event of many lines', () => {
    const line = parse(['data: ', 'x'.repeat(60), 'x'.repeat(60)], 100)
    expect(line.ok).toBe(false)
    const lines = parse(['data: aaaaaaaaaa\n'.repeat(20)], 100)
    expect(lines).toMatchObject({ ok: false, events: [] })
    const fits = parse(['data: ', 'x'.repeat(50), '\n\n'], 100)
    expect(fits).toMatchObject({ ok: true, events: [{ data: 'x'.repeat(50) }] })
  })

  it('reports the events before the limit was passed', () => {
    const parsed = parse([`data: a\n\ndata: ${'x'.repeat(200)}\n\n`], 100)
    expect(parsed).toMatchObject({ ok: false, events: [{ data: 'a' }] })
  })
})

/** Lines an upstream might send, odd ones included, each with a random line end. */
const line = fc.oneof(
  fc.constantFrom('', '', 'data', 'data:', 'id', 'id:', 'event:', ':', 'retry: 1000', 'retry: x'),
  fc.constantFrom('i', 'ix: 1', 'idx', 'id: 1', 'id:2', 'id: \u0000'),
  fc.string({ maxLength: 8 }).map((value) => `data: ${value}`),
  fc.string({ maxLength: 4 }).map((value) => `data:${value}`),
  fc.string({ maxLength: 4 }).map((value) => `id: ${value}`),
  fc.string({ maxLength: 4 }).map((value) => `event: ${value}`),
  fc.string({ maxLength: 4 }).map((value) => `: ${value}`),
  fc.string({ maxLength: 6 })
)
const stream = fc
  .array(fc.tuple(line, fc.constantFrom('\n', '\r', '\r\n')), { maxLength: 30 })
  .map((lines) => lines.map(([text, end]) => text.replace(/[\r\n]/g, '') + end).join(''))

/** Cuts `text` at the given offsets. */
function cut(text: string, offsets: readonly number[]): string[] {
  const points = [...new Set(offsets.map((offset) => offset % (text.length + 1)))].sort(
    (a, b) => a - b
  )
  const chunks: string[] = []
  let start = 0
  for (const point of points) {
    chunks.push(text.slice(start, point))
    start = point
  }
  chunks.push(text.slice(start))
  return chunks
}

/**
 * The last event id by the letter of the spec: the id buffer is set by each `id` field without
 * NUL, and becomes the last event id when a blank line ends the frame, with data or without.
 */
function specLastEventId(text: string): string | undefined {
  const lines = text.split(/\r\n|\r|\n/)
  lines.pop() // What follows the last line end is an unfinished line.
  let buffer: string | undefined
  let last: string | undefined
  for (const line of lines) {
    if (line === '') last = buffer
    else if (line === 'id' || line.startsWith('id:')) {
      const value = line.slice(line.startsWith('id: ') ? 4 : 3)
      if (!value.includes('\u0000')) buffer = value
    }
  }
  return last
}

describe('EventParser properties', () => {
  it('sets the last event id as the spec does, frames without data included', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (text, offsets) => {
        expect(parse(cut(text, offsets), 1 << 20, true).lastEventId).toBe(specLastEventId(text))
      }),
      { numRuns: 1000 }
    )
  })

  it('gives the same events, last id and retry however the text is cut', () => {
    // Whether the text stops mid-frame depends on where the last cut fell: compared apart.
    const settled = (chunks: readonly string[]): Omit<Parsed, 'midFrame'> => {
      const { midFrame, ...rest } = parse(chunks, 1 << 20, true)
      return rest
    }
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (text, offsets) => {
        expect(settled(cut(text, offsets))).toEqual(settled([text]))
      }),
      { numRuns: 500 }
    )
  })
})
