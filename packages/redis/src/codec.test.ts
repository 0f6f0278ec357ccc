import { describe, expect, it } from 'vitest'
import { compareIds, decodeEntry, decodePayload, encodeHeader } from './codec.js'

describe('compareIds', () => {
  it.each([
    ['1-0', '1-0', 0],
    ['1-0', '1-1', -1],
    ['1-10', '1-9', 1],
    ['9-5', '10-0', -1],
    ['1700000000000-3', '1700000000001-0', -1],
  ])('orders %s and %s as Redis does', (a, b, sign) => {
    expect(Math.sign(compareIds(a, b))).toBe(sign)
  })
})

describe('the record encoding', () => {
  it('round-trips a record through a published message and a stream entry', () => {
    const record = {
      body: 'event: tick\ndata: {"a":"b\\nc"}\n\n',
      autoId: false,
      id: 'own',
      event: 'tick',
      meta: { room: 'red', line: 'a\nb' },
    }
    const header = encodeHeader(record)
    expect(header).not.toContain('\n')
    expect(decodePayload(`5-1\n${header}\n${record.body}`)).toEqual({ seq: '5-1', record })
    expect(decodeEntry(['5-1', ['b', record.body, 'h', header, 'i', 'own']])).toEqual({
      seq: '5-1',
      record,
    })
    const auto = {
      body: 'data: x\n\n',
      autoId: true,
      id: undefined,
      event: undefined,
      meta: undefined,
    }
    expect(decodePayload(`6-0\n${encodeHeader(auto)}\n${auto.body}`).record).toEqual(auto)
  })

  it('names meta that cannot be JSON-encoded', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const record = { body: 'data: x\n\n', autoId: true, id: undefined, event: undefined }
    expect(() => encodeHeader({ ...record, meta: cyclic })).toThrow(TypeError)
    expect(() => encodeHeader({ ...record, meta: 1n })).toThrow(/"meta"/)
  })
})
