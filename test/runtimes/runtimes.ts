import { createRequire } from 'node:module'
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rolldown } from 'rolldown'
import { sleep } from '@ssekit/test-helpers/listen'
import { startProgram, type NodeProcess } from '../helpers/node-process.js'

const fixtures = fileURLToPath(new URL('fixtures/', import.meta.url))
const requireFromRoot = createRequire(fileURLToPath(new URL('../../package.json', import.meta.url)))

/** A runtime serving the matrix app (fixtures/app.mjs) on 127.0.0.1. */
export interface RunningApp {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  readonly process: NodeProcess
  /** Stops the runtime and removes what it was given. */
  stop: () => Promise<void>
}

/** A runtime of the matrix, installed from the npm registry as a dev dependency. */
export interface Runtime {
  readonly name: 'bun' | 'deno' | 'workerd'
  /** What the runtime cannot do, each with the reason; absent: it can. */
  readonly limits: {
    /** The runtime notices a client leaving only when the stream next writes to it. */
    readonly leavingNoticedOnWrite?: string
    /** A relay can be followed only by the request that started it. */
    readonly relayBoundToRequest?: string
  }
  /** Starts the app on this runtime; resolves once it accepts requests. */
  start: () => Promise<RunningApp>
}

/**
 * The path of a runtime's binary, from the package the npm registry ships it in for this
 * platform (the `bun`, `deno` and `workerd` packages depend on those as optional dependencies).
 * The binary runs directly, without the packages' launchers, so stopping it stops the runtime.
 */
function binary(wrapper: string, platformPackages: Record<string, string>): string {
  const key = `${process.platform}-${process.arch}`
  const file = platformPackages[key]
  if (file === undefined) throw new Error(`No ${wrapper} binary is installed for ${key}`)
  return createRequire(requireFromRoot.resolve(`${wrapper}/package.json`)).resolve(file)
}

async function serveScript(command: string, args: string[]): Promise<RunningApp> {
  const child = startProgram(command, args, fixtures)
  const url = (await child.until(/listening (http:\S+)/))[1]!
  return {
    url,
    process: child,
    stop: async () => {
      await child.stop()
    },
  }
}

const bun: Runtime = {
  name: 'bun',
  limits: {},
  start: () =>
    serveScript(
      binary('bun', {
        'linux-x64': '@oven/bun-linux-x64/bin/bun',
        'linux-arm64': '@oven/bun-linux-aarch64/bin/bun',
        'darwin-x64': '@oven/bun-darwin-x64/bin/bun',
        'darwin-arm64': '@oven/bun-darwin-aarch64/bin/bun',
      }),
      ['bun.mjs']
    ),
}

const deno: Runtime = {
  name: 'deno',
  limits: {},
  start: () =>
    serveScript(
      binary('deno', {
        'linux-x64': '@deno/linux-x64-glibc/deno',
        'linux-arm64': '@deno/linux-arm64-glibc/deno',
        'darwin-x64': '@deno/darwin-x64/deno',
        'darwin-arm64': '@deno/darwin-arm64/deno',
      }),
      // Packages resolve from node_modules, as `npm install` left them; nothing is fetched.
      ['run', '--allow-net', '--allow-read', '--allow-env', '--no-lock', 'deno.mjs']
    ),
}

/** Bundles fixtures/worker.mjs and its imports (the built packages, Hono) into one module. */
async function bundleWorker(file: string): Promise<void> {
  const bundle = await rolldown({
    input: join(fixtures, 'worker.mjs'),
    platform: 'neutral',
    resolve: { conditionNames: ['workerd', 'worker', 'browser', 'import', 'default'] },
  })
  try {
    await bundle.write({ file, format: 'esm' })
  } finally {
    await bundle.close()
  }
}

/** A port free a moment ago: workerd takes its address on the command line. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function answering(url: string, child: NodeProcess): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await fetch(`${url}/ready`).catch(() => undefined))?.ok) {
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer; it printed:\n${child.output()}`)
    await sleep(20)
  }
}

const workerd: Runtime = {
  name: 'workerd',
  limits: {
    leavingNoticedOnWrite: 'workerd sees a closed connection only when a write to it fails',
    relayBoundToRequest: "a Worker's pending work belongs to the request that started it",
  },
  start: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ssekit-workerd-'))
    await bundleWorker(join(dir, 'worker.js'))
    await copyFile(join(fixtures, 'workerd.capnp'), join(dir, 'config.capnp'))
    const port = await freePort()
    const command = binary('workerd', {
      'linux-x64': '@cloudflare/workerd-linux-64/bin/workerd',
      'linux-arm64': '@cloudflare/workerd-linux-arm64/bin/workerd',
      'darwin-x64': '@cloudflare/workerd-darwin-64/bin/workerd',
      'darwin-arm64': '@cloudflare/workerd-darwin-arm64/bin/workerd',
    })
    const args = ['serve', 'config.capnp', '--socket-addr', `http=127.0.0.1:${port}`, '--verbose']
    const child = startProgram(command, args, dir)
    const url = `http://127.0.0.1:${port}`
    // workerd prints nothing once it listens: it is up when it answers.
    await answering(url, child)
    return {
      url,
      process: child,
      stop: async () => {
        await child.stop()
        await rm(dir, { recursive: true, force: true })
      },
    }
  },
}

/** Bun, Deno and Cloudflare's workerd. */
export const runtimes: readonly Runtime[] = [bun, deno, workerd]
