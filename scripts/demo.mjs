// `pnpm demo`: builds the packages without flooding the terminal, then runs the demo server in
// this very process, so Ctrl+C reaches the demo alone and its clean exit is the command's.
import { spawnSync } from 'node:child_process'

const pnpm = process.env.npm_execpath
const command = pnpm ? process.execPath : 'npx'
const args = pnpm ? [pnpm, 'build'] : ['-y', 'pnpm', 'build']
console.log('Building the packages…')
const build = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr)
  console.error(build.error ?? `The build failed (exit code ${String(build.status)}).`)
  process.exit(1)
}
await import('../demo/server.mjs')
