// Makes sure the programs the test suite drives are installed: Debian's `chromium` (browser
// tests), `redis-server` (multi-instance tests, clusters, Sentinel) and `redis-cli` (which
// creates the clusters). Installs them with apt-get when missing
// and this process may; otherwise says what to install and fails.
import { execFileSync, spawnSync } from 'node:child_process'

const needed = [
  { command: 'chromium', pkg: 'chromium' },
  { command: 'redis-server', pkg: 'redis-server' },
  { command: 'redis-cli', pkg: 'redis-tools' },
]

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
const missing = needed.filter(({ command }) => !has(command))

if (missing.length > 0) {
  const packages = missing.map(({ pkg }) => pkg)
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot || !has('apt-get')) {
    console.error(
      `The tests need ${packages.join(' and ')}. Install them (Debian: apt-get install -y ${packages.join(' ')}) and run the tests again.`
    )
    process.exit(1)
  }
  console.log(`Installing ${packages.join(', ')} from Debian's packages…`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env,
  })
}
