import { describe, expect, it } from 'vitest'
import { formatEvent, type SseEvent } from '../event/format.js'
import { frameBytes } from './frame-bytes.js'

describe('frameBytes', () => {
  const events: [string, SseEvent][] = [
    ['ASCII data', { data: 'hello' }],
    ['every field', { comment: 'note', event: 'tick', id: '7', retry: 1000, data: 'x' }],
    ['non-ASCII in every text field', { comment: 'é', event: 'ü', id: 'ñ', data: 'naïve ☃' }],
    ['a surrogate pair', { data: 'smile 😀' }],
    ['a lone surrogate', { data: 'broken \ud800 pair' }],
    ['lines split by LF, CR and CRLF', { data: 'a\nb\rc\r\nd é\n', comment: 'x\r\ny ☃' }],
    ['an event type alone', { event: 'ping' }],
    ['JSON data', { data: { text: 'héllo', list: [1, '☃'] } }],
    ['a number, as JSON', { data: 42 }],
  ]

  it.each(events)('is the UTF-8 size of the frame: %s', (_name, event) => {
    const frame = formatEvent(event)
    expect(frameBytes(frame, event)).toBe(Buffer.byteLength(frame))
  })
})
