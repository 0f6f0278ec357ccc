// Checks every public package as it would be published: publint for the package.json
// (exports, files, types) and Are the Types Wrong for how each module system resolves it.
// Run after `pnpm build`.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const packagesDir = 'packages'
const publicPackages = readdirSync(packagesDir)
  .map((name) => join(packagesDir, name))
  .filter((dir) => !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private)

let failed = false
for (const dir of publicPackages) {
  for (const [tool, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.', '--format', 'table-flipped']],
  ]) {
    console.log(`\n${tool} ${dir}`)
    const run = spawnSync('pnpm', ['exec', tool, ...args], { cwd: dir, stdio: 'inherit' })
    if (run.status !== 0) failed = true
  }
}
process.exit(failed ? 1 : 0)
