import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// What each published tarball holds besides its code: the license its package.json names, and
// the README npm shows. Packs every public package the way `pnpm publish` does.

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const published = (await readdir(join(root, 'packages'))).sort()

let packed: string

beforeAll(async () => {
  packed = await mkdtemp(join(tmpdir(), 'ssekit-tarballs-'))
}, 60_000)

afterAll(async () => {
  if (packed) await rm(packed, { recursive: true, force: true })
})

/** The files of a package's tarball, relative to its root. */
async function tarballFiles(name: string): Promise<string[]> {
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', packed], {
    cwd: join(root, 'packages', name),
  })
  const tarball = stdout.trim().split('\n').at(-1)!
  const { stdout: listing } = await run('tar', ['-tzf', tarball])
  return listing
    .trim()
    .split('\n')
    .map((path) => path.replace(/^package\//, ''))
}

describe('each package tarball', () => {
  it.each(published)('@ssekit/%s holds LICENSE and README.md at its root', async (name) => {
    const files = await tarballFiles(name)
    expect(files).toContain('LICENSE')
    expect(files).toContain('README.md')
    expect(files).toContain('package.json')
  })
})
