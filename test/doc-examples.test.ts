import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkDocExamples, extractBlocks } from '../scripts/check-doc-examples.mjs'

// Every ```ts block of README.md and docs/*.md compiles against the packages as they are, so
// that an example cannot drift from the API. The script is what `pnpm check:docs` runs.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const timeout = 120_000

describe('the code blocks of the docs', () => {
  it(
    'type-check, every one of them but the few marked nocheck',
    () => {
      const { checked, skipped, errors } = checkDocExamples(root)
      expect(errors).toEqual([])
      expect(checked).toBeGreaterThanOrEqual(30)
      expect(skipped).toBeLessThanOrEqual(3)
    },
    timeout
  )

  it(
    'fail on a type error, naming the page and its line',
    () => {
      const page = [
        '# A page',
        '',
        '```ts express',
        "app.get('/events', async (req, res) => {",
        "  await res.sse.send({ event: 'tick', data: 1, colour: 'red' })",
        '})',
        '```',
        '',
      ].join('\n')
      const { checked, errors } = checkDocExamples(root, { 'docs/broken.md': page })
      expect(checked).toBe(1)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(/^docs\/broken\.md:5: .*'colour'/)
    },
    timeout
  )

  it(
    'fail when a line the docs call an error compiles, and skip nocheck blocks',
    () => {
      const page = [
        '```ts',
        "import { formatEvent } from '@ssekit/core'",
        "formatEvent({ data: 'fine' }) // error: this one is not",
        '```',
        '',
        '```ts nocheck',
        'heartbeat: 15_000,',
        '```',
      ].join('\n')
      const { checked, skipped, errors } = checkDocExamples(root, { 'docs/claims.md': page })
      expect({ checked, skipped }).toEqual({ checked: 1, skipped: 1 })
      expect(errors).toEqual([
        expect.stringMatching(/^docs\/claims\.md:3: Unused '@ts-expect-error'/),
      ])
    },
    timeout
  )

  it('reads fences indented in a list, with the words of their info string', () => {
    const blocks = extractBlocks('- item\n\n  ```ts express file=a.ts\n  const a = 1\n  ```\n')
    expect(blocks).toEqual([
      { lang: 'ts', words: ['express', 'file=a.ts'], code: 'const a = 1', line: 4 },
    ])
  })
})
