import { describe, expect, it } from 'vitest'
import { channelTag, isStreamId, parseCursor } from './cursor.js'

describe('isStreamId', () => {
  it.each(['0-0', '1-0', '1700000000000-12', '18446744073709551615-18446744073709551615'])(
    'accepts %s',
    (id) => {
      expect(isStreamId(id)).toBe(true)
    }
  )
  it.each([
    '',
    '-',
    '1',
    '1-',
    '-1',
    '1-2-3',
    '01-0',
    '1-00',
    '+1-0',
    '1.5-0',
    ' 1-0',
    '18446744073709551616-0',
    '0-18446744073709551616',
    '99999999999999999999-0',
    '100000000000000000000-0',
    '١-٠',
  ])('refuses %j, which Redis would refuse or which no entry has', (id) => {
    expect(isStreamId(id)).toBe(false)
  })
})

describe('parseCursor', () => {
  const tag = channelTag('ssekit:news')

  it('gives a tag per key, seven base-36 digits and a dash', () => {
    expect(tag).toMatch(/^[0-9a-z]{7}-$/)
    expect(channelTag('ssekit:sports')).not.toBe(tag)
    expect(channelTag('other:news')).not.toBe(tag)
  })

  it.each<[string, string, string]>([
    [`${tag}1700000000000-0`, 's', '1700000000000-0'],
    ['1700000000000-0', 'o', '1700000000000-0'],
    [`${channelTag('ssekit:sports')}1-0`, 'o', `${channelTag('ssekit:sports')}1-0`],
    [`${tag}99999999999999999999-0`, 'o', `${tag}99999999999999999999-0`],
    [`${tag}x`, 'o', `${tag}x`],
    ['café-1', 'o', 'café-1'],
  ])('sorts %j as kind %s', (cursor, kind, value) => {
    expect(parseCursor(cursor, tag)).toEqual({ kind, value })
  })
})
