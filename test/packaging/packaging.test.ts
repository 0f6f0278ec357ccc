import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEvents } from '@ssekit/test-helpers/read-events'

// Installs the packed tarballs the way a user would and runs apps against them, so what is
// checked is what gets published: `dist`, `exports`, the rewritten dependency on core, the
// type augmentations. Needs `pnpm build` first, as CI does.

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const fixtures = fileURLToPath(new URL('fixtures', import.meta.url))
const publicPackages = ['core', 'express', 'koa', 'hono', 'fastify', 'testing'] as const
const adapters = ['express', 'koa', 'hono', 'fastify'] as const
/** What the consumers need besides ssekit, at the versions the workspace tests with. */
const frameworks = [
  'express',
  'koa',
  'hono',
  '@hono/node-server',
  'fastify',
  '@types/express',
  '@types/koa',
] as const

let consumer: string

beforeAll(async () => {
  for (const name of publicPackages) {
    if (!existsSync(join(root, 'packages', name, 'dist', 'index.cjs'))) {
      throw new Error(`packages/${name}/dist is missing: run \`pnpm build\` first.`)
    }
  }
  consumer = await mkdtemp(join(tmpdir(), 'ssekit-consumer-'))
  const dependencies: Record<string, string> = {}
  for (const name of publicPackages) {
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', consumer], {
      cwd: join(root, 'packages', name),
    })
    const tarball = stdout.trim().split('\n').at(-1)!
    dependencies[`@ssekit/${name}`] = `file:${tarball}`
  }
  const tested = JSON.parse(await readFile(join(root, 'test', 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>
  }
  for (const name of frameworks) dependencies[name] = tested.devDependencies[name]!
  dependencies['@types/node'] = '^20.19.0'
  await writeFile(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'ssekit-consumer', private: true, dependencies })
  )
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: consumer,
    timeout: 150_000,
  })
  await cp(fixtures, consumer, { recursive: true })
}, 180_000)

afterAll(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true })
})

/** What a consumer app prints once it listens: its URL and what it checked of core's entries. */
interface ConsumerReport {
  url: string
  oneCore: boolean
  adapterEntry: boolean
  backplaneEntry: boolean
}

/** Starts a consumer app and reads the URL it prints. */
async function start(
  file: string,
  adapter: string
): Promise<ConsumerReport & { stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [file, adapter], {
    cwd: consumer,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return
    child.kill()
    await once(child, 'exit')
  }
  try {
    const lines = createInterface({ input: child.stdout })
    const [line] = (await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(() => {
        throw new Error(`${file} ${adapter} exited before listening`)
      }),
    ])) as [string]
    return {
      ...(JSON.parse(line) as ConsumerReport),
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

describe.each([
  { system: 'CommonJS', file: 'consumer.cjs', from: 'cjs' },
  { system: 'ES module', file: 'consumer.mjs', from: 'esm' },
])('a $system consumer of the packed tarballs', ({ file, from }) => {
  it.each(adapters)('serves an event to a real client through @ssekit/%s', async (adapter) => {
    const app = await start(file, adapter)
    try {
      expect(app.oneCore).toBe(true)
      expect(app.adapterEntry).toBe(true)
      expect(app.backplaneEntry).toBe(true)
      const response = await fetch(app.url, { signal: AbortSignal.timeout(10_000) })
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      const reader = readEvents(response.body!)
      expect(await reader.event(0)).toMatchObject({
        event: 'hello',
        data: JSON.stringify({ from }),
      })
      await reader.cancel()
    } finally {
      await app.stop()
    }
  })
})

describe('the published type declarations', () => {
  it('type res.sse, ctx.sse, c.var.sse and reply.sse for TypeScript users, ESM and CommonJS', async () => {
    const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc')
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: consumer,
    }).catch((error: unknown) => error as { stdout: string; code: number })
    expect(result.stdout).toBe('')
  }, 60_000)
})

describe('@ssekit/testing as published', () => {
  it('opens a Hono route of the consumer from ESM and from CommonJS', async () => {
    const script = (load: string): string =>
      `${load}.then(async ({ openSse, Hono, sse }) => {
        const app = new Hono()
        app.use(sse())
        app.get('/events', (c) => c.var.sse.stream((s) => s.send({ data: 'packed' })))
        const client = await openSse(app, '/events')
        console.log((await client.next()).data)
      })`
    const esm = `Promise.all([import('@ssekit/testing'), import('hono'), import('@ssekit/hono')]).then(([t, h, a]) => ({ openSse: t.openSse, Hono: h.Hono, sse: a.sse }))`
    const cjs = `Promise.resolve({ openSse: require('@ssekit/testing').openSse, Hono: require('hono').Hono, sse: require('@ssekit/hono').sse })`
    for (const [flag, load] of [
      ['--input-type=module', esm],
      ['--input-type=commonjs', cjs],
    ] as const) {
      const { stdout } = await run(process.execPath, [flag, '-e', script(load)], { cwd: consumer })
      expect(stdout.trim()).toBe('packed')
    }
  })
})
