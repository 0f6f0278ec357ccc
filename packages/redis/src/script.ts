import type { RedisArgument } from '@redis/client'
import { createHash } from 'node:crypto'

/** A script's keys and arguments, as node-redis takes them. */
interface ScriptOptions {
  keys: RedisArgument[]
  arguments: RedisArgument[]
}

/**
 * What runs scripts: a node-redis client, cluster (which sends each script to the master of
 * its first key's slot) or Sentinel-managed master.
 */
export interface ScriptRunner {
  evalSha(sha: string, options: ScriptOptions): Promise<unknown>
  eval(source: string, options: ScriptOptions): Promise<unknown>
}

/** A Lua script with its SHA1, as Redis caches it. */
export interface Script {
  readonly source: string
  readonly sha: string
}

/**
 * @param source - The script's Lua text.
 * @returns The script, to run with {@link runScript}.
 */
export function luaScript(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * Runs a script by its SHA1, so a broadcast sends Redis its arguments and not the script's
 * text; sends the text when Redis does not have it yet (first use, or after a restart).
 *
 * @param client - The connection.
 * @param script - The script.
 * @param options - Its keys and arguments.
 * @returns What the script returned.
 */
export async function runScript(
  client: ScriptRunner,
  script: Script,
  options: ScriptOptions
): Promise<unknown> {
  try {
    return await client.evalSha(script.sha, options)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return client.eval(script.source, options)
  }
}
