import { afterEach, describe, expect, it, vi } from 'vitest'

/** Strings whose UTF-8 size differs from their UTF-16 length in every way there is. */
const SAMPLES: readonly (readonly [string, string])[] = [
  ['empty', ''],
  ['ASCII', 'data: hello\n\n'],
  ['Latin-1 (2 bytes)', 'café'],
  ['the rest of the BMP (3 bytes)', '日本語 €'],
  ['a surrogate pair (4 bytes)', 'party 🎉 time'],
  ['a lone high surrogate', 'a\ud83cb'],
  ['a lone low surrogate', 'a\udf89b'],
  ['a high surrogate at the end', 'end\ud83c'],
  ['a low surrogate before a high one', '\udf89\ud83c'],
  ['a long ASCII frame', `id: 1\ndata: ${'x'.repeat(4096)}\n\n`],
  ['mixed', `ü${'x'.repeat(100)}🎉\u0800\u07ff\uffff`],
]

/** The bytes a response carries for `text`: what an encoder writes, U+FFFD for a lone surrogate. */
function wireBytes(text: string): number {
  return new TextEncoder().encode(text).length
}

describe('utf8Length', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.resetModules()
  })

  it.each(SAMPLES)('counts the bytes a response carries: %s', async (_name, text) => {
    const { utf8Length } = await import('./utf8.js')
    expect(utf8Length(text)).toBe(wireBytes(text))
  })

  it.each(SAMPLES)('counts the same without Buffer (web runtimes): %s', async (_name, text) => {
    vi.stubGlobal('Buffer', undefined)
    vi.resetModules()
    const { utf8Length } = await import('./utf8.js')
    expect(utf8Length(text)).toBe(wireBytes(text))
  })
})
