import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'

/** A `redis-server` of the test's own, on 127.0.0.1 and a free port, persisting nothing. */
export interface RedisServer {
  readonly url: string
  /** Kills the server outright (SIGKILL), as a crash would; its data is gone. */
  kill: () => Promise<void>
  /** Starts it again on the same port, empty. */
  restart: () => Promise<void>
  /** Stops it for good and removes its directory. */
  stop: () => Promise<void>
}

/** @returns A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Starts `redis-server` on 127.0.0.1, persisting nothing, and waits until it listens.
 *
 * @param port - Its port.
 * @param dir - Its working directory.
 * @param args - More arguments, e.g. `['--cluster-enabled', 'yes']`; a first argument that
 * does not start with `--` is a configuration file.
 * @returns The process.
 */
export function launchRedis(port: number, dir: string, args: string[] = []): Promise<ChildProcess> {
  const file = args[0] !== undefined && !args[0].startsWith('--') ? args.slice(0, 1) : []
  const child = spawn(
    'redis-server',
    // Persistence off: nothing survives a kill, as with a crashed cache server.
    file.concat(
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ['--protected-mode', 'no', '--dir', dir, '--loglevel', 'warning'],
      args.slice(file.length)
    ),
    { stdio: ['ignore', 'ignore', 'pipe'] }
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000
    const fail = (error: Error): void => {
      child.kill('SIGKILL')
      reject(error)
    }
    child.once('error', (error: NodeJS.ErrnoException) => {
      fail(
        error.code === 'ENOENT'
          ? new Error('redis-server is not installed: apt-get install -y redis-server')
          : error
      )
    })
    child.once('exit', (code) => {
      reject(new Error(`redis-server exited with code ${code}: ${stderr}`))
    })
    const probe = (): void => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.end()
        child.removeAllListeners('exit')
        resolve(child)
      })
      socket.once('error', () => {
        socket.destroy()
        if (Date.now() > deadline) fail(new Error(`redis-server did not listen: ${stderr}`))
        else setTimeout(probe, 20)
      })
    }
    probe()
  })
}

/**
 * Kills a server outright (SIGKILL), as a crash would, and waits until it exited.
 *
 * @param child - The server's process, if any.
 */
export async function kill(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/**
 * Starts a `redis-server` from the system's packages (Debian: `apt-get install redis-server`).
 *
 * @returns The running server, to stop in `afterAll`.
 */
async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'ssekit-redis-'))
  let child: ChildProcess | undefined = await launchRedis(port, dir)
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      await kill(child)
      child = undefined
    },
    restart: async () => {
      await kill(child)
      child = await launchRedis(port, dir)
    },
    stop: async () => {
      await kill(child)
      child = undefined
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Starts a `redis-server` before the file's tests and stops it after them; call at the top
 * level of a test file.
 *
 * @returns The server, once started.
 */
export function useRedisServer(): () => RedisServer {
  let server: RedisServer | undefined
  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    await server?.stop()
  })
  return () => {
    if (server === undefined) throw new Error('The Redis server is not started yet.')
    return server
  }
}
