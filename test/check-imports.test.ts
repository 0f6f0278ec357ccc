import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { checkImports, CORE_LAYERS } from '../scripts/check-imports.mjs'

// The script `pnpm lint` runs before ESLint: it must fail on any import cycle, type-only ones
// included, and on an import against core's folder layering.

let root: string | undefined

afterEach(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true })
  root = undefined
})

/** Writes a workspace of `packages/<name>/src/...` files and checks it. */
async function check(files: Record<string, string>): Promise<string[]> {
  root = await mkdtemp(join(tmpdir(), 'ssekit-imports-'))
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), text)
  }
  return checkImports(root, { core: CORE_LAYERS })
}

describe('check-imports', () => {
  it('passes a tree without cycles', async () => {
    expect(
      await check({
        'packages/a/src/index.ts': "export { b } from './b.js'\nimport type { C } from './c.js'\n",
        'packages/a/src/b.ts': "import { c } from './c.js'\nexport const b = c\n",
        'packages/a/src/c.ts': 'export const c = 1\nexport type C = number\n',
      })
    ).toEqual([])
  })

  it('fails on a cycle, with its chain', async () => {
    const problems = await check({
      'packages/a/src/index.ts': "export { b } from './b.js'\n",
      'packages/a/src/b.ts': "import { c } from './c.js'\nexport const b = c\n",
      'packages/a/src/c.ts': "import { b } from './b.js'\nexport const c = () => b\n",
    })
    expect(problems).toEqual([
      'import cycle: packages/a/src/b.ts -> packages/a/src/c.ts -> packages/a/src/b.ts',
    ])
  })

  it('counts type-only and multi-line imports, across folders', async () => {
    const problems = await check({
      'packages/a/src/x/one.ts': "import type {\n  Two,\n  TwoMore,\n} from '../y/two.js'\n",
      'packages/a/src/y/two.ts': "import type { One } from '../x/one.js'\nexport type Two = 2\n",
    })
    expect(problems).toEqual([
      'import cycle: packages/a/src/x/one.ts -> packages/a/src/y/two.ts -> packages/a/src/x/one.ts',
    ])
  })

  it("fails on an import against core's layering, and names the rule", async () => {
    const problems = await check({
      'packages/core/src/util/describe.ts': "import { formatEvent } from '../event/format.js'\n",
      'packages/core/src/event/format.ts': 'export const formatEvent = 1\n',
      'packages/core/src/stream/stream.ts': "import { formatEvent } from '../event/format.js'\n",
    })
    expect(problems).toEqual([
      'layering: packages/core/src/util/describe.ts -> packages/core/src/event/format.ts (util/ may import nothing)',
    ])
  })

  it('allows single files a folder may reach, and nothing else of that folder', async () => {
    const problems = await check({
      'packages/core/src/stream/stream.ts':
        "import { forward } from '../upstream/forward.js'\nimport { call } from '../upstream/call.js'\n",
      'packages/core/src/upstream/forward.ts': 'export const forward = 1\n',
      'packages/core/src/upstream/call.ts': 'export const call = 1\n',
    })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(
      /^layering: packages\/core\/src\/stream\/stream\.ts -> packages\/core\/src\/upstream\/call\.ts /
    )
  })

  it('passes the repository as it is', () => {
    expect(checkImports(join(import.meta.dirname, '..'))).toEqual([])
  })
})
