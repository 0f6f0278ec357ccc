import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { infoField, pollUntil, redisCli, replicated } from './redis-cli.js'
import { freePort, kill, launchRedis } from './redis-server.js'

/** Servers managed by Sentinel, of the test's own: a master, its replica, one sentinel. */
export interface LocalSentinel {
  /** The master's name in Sentinel. */
  readonly name: string
  /** The sentinel's port. */
  readonly sentinelPort: number
  /** @returns The port of the master Sentinel names now. */
  master: () => Promise<number>
  /** Waits until the master replicated everything to its replica. */
  synced: () => Promise<void>
  /**
   * Kills the master outright (SIGKILL) and waits until Sentinel names the replica as the
   * master, and the replica knows it.
   *
   * @returns The new master's port.
   */
  killMaster: () => Promise<number>
  /** Stops every server and removes their files. */
  stop: () => Promise<void>
}

const NAME = 'ssekit-test'

async function startSentinel(): Promise<LocalSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'ssekit-sentinel-'))
  const processes: ChildProcess[] = []
  const stop = async (): Promise<void> => {
    for (const child of processes) await kill(child)
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const masterPort = await freePort()
    const replicaPort = await freePort()
    const sentinelPort = await freePort()
    processes.push(await launchRedis(masterPort, dir, ['--dbfilename', `m-${masterPort}.rdb`]))
    processes.push(
      await launchRedis(replicaPort, dir, [
        '--replicaof',
        '127.0.0.1',
        String(masterPort),
        '--dbfilename',
        `r-${replicaPort}.rdb`,
      ])
    )
    const config = join(dir, 'sentinel.conf')
    writeFileSync(
      config,
      [
        `sentinel monitor ${NAME} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 10000`,
        '',
      ].join('\n')
    )
    processes.push(await launchRedis(sentinelPort, dir, [config, '--sentinel']))
    const current = async (): Promise<number> => {
      const reply = await redisCli(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)
      return Number(reply.trim().split('\n')[1])
    }
    // Sentinel knows the replica (from the master's INFO) before it can promote it.
    await pollUntil(
      async () =>
        (await redisCli(sentinelPort, 'SENTINEL', 'REPLICAS', NAME)).includes(String(replicaPort)),
      20_000,
      'Sentinel to find the replica'
    )
    const synced = async (): Promise<void> => replicated(await current())
    await synced()
    return {
      name: NAME,
      sentinelPort,
      master: current,
      synced,
      killMaster: async () => {
        const before = await current()
        await kill(processes[0])
        return pollUntil(
          async () => {
            const port = await current()
            if (port === before) return undefined
            const role = infoField(await redisCli(port, 'INFO', 'replication'), 'role')
            return role === 'master' ? port : undefined
          },
          30_000,
          'the failover'
        )
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * Starts a master, its replica and a sentinel before the file's tests, and stops them after;
 * call at the top level of a test file.
 *
 * @returns The servers, once started.
 */
export function useRedisSentinel(): () => LocalSentinel {
  let sentinel: LocalSentinel | undefined
  beforeAll(async () => {
    sentinel = await startSentinel()
  }, 60_000)
  afterAll(async () => {
    await sentinel?.stop()
  })
  return () => {
    if (sentinel === undefined) throw new Error('The Sentinel servers are not started yet.')
    return sentinel
  }
}
