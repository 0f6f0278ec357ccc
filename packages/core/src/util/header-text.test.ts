import { describe, expect, it } from 'vitest'
import { decodeHeaderText } from './header-text.js'

/** A header value as Node or `Headers.get` gives it: one character per byte of `text`'s UTF-8. */
function asBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

describe('decodeHeaderText', () => {
  it.each([
    ['ASCII, unchanged', '42-abc', '42-abc'],
    ['UTF-8 bytes of a Latin-1 letter', asBytes('café-1'), 'café-1'],
    ['UTF-8 bytes beyond Latin-1', asBytes('日本-1'), '日本-1'],
    ['UTF-8 bytes of an emoji', asBytes('🎉-1'), '🎉-1'],
    ['a leading BOM, kept as a character', asBytes('\ufeffid'), '\ufeffid'],
    ['a string already decoded: Latin-1 letters', 'café-1', 'café-1'],
    ['a string already decoded: beyond Latin-1', '日本-1', '日本-1'],
    ['bytes that are not UTF-8 (a latin1 client)', 'caf\xe9-1', 'caf\xe9-1'],
    ['a lone continuation byte', 'a\x80b', 'a\x80b'],
    ['a truncated sequence', asBytes('日').slice(0, 2), asBytes('日').slice(0, 2)],
  ])('%s', (_name, value, expected) => {
    expect(decodeHeaderText(value)).toBe(expected)
  })
})
