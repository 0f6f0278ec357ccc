import type { createClient, RedisArgument } from '@redis/client'
import { createHash } from 'node:crypto'

type Client = ReturnType<typeof createClient>

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
  client: Client,
  script: Script,
  options: { keys: RedisArgument[]; arguments: RedisArgument[] }
): Promise<unknown> {
  try {
    return await client.evalSha(script.sha, options)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return client.eval(script.source, options)
  }
}
