import { describe } from './describe.js'

/**
 * Receives debug records of upstream requests and of event streams instead of
 * `console.debug`: a message such as `'response'` or `'stream-end'` and details such as
 * `{ request: 3, status: 200, ms: 41 }` or `{ stream: 7, ms: 5120, reason: 'client-left' }`.
 * Credentials are redacted, and neither bodies nor event data are ever included.
 */
export type SseLogger = (message: string, details?: Record<string, unknown>) => void

/** Writes one record of a request's or a stream's life. */
export type Log = (message: string, details?: Record<string, unknown>) => void

const PREFIX = '[ssekit]'
/** `NODE_DEBUG` entries that switch logging on; cached on the variable's last value. */
let lastNodeDebug: string | undefined
let lastEnabled = false

/**
 * Whether `NODE_DEBUG` names `ssekit`, as Node reads it: a comma-separated list,
 * case-insensitive, where `*` matches anything.
 *
 * @param value - The variable's value.
 * @returns Whether logging is on.
 */
export function nodeDebugEnables(value: string | undefined): boolean {
  if (value === undefined || value === '') return false
  if (value === lastNodeDebug) return lastEnabled
  const enabled = value.split(',').some((entry) => {
    const pattern = entry
      .trim()
      .replace(/[|\\{}()[\]^$+?.]/g, '\\$&')
      .replaceAll('*', '.*')
    return pattern !== '' && new RegExp(`^${pattern}$`, 'i').test('ssekit')
  })
  lastNodeDebug = value
  lastEnabled = enabled
  return enabled
}

function readNodeDebug(): string | undefined {
  try {
    // Core also runs where `process` is missing (Workers) or guarded (Deno without --allow-env).
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
      ?.env
    return env?.NODE_DEBUG
  } catch {
    return undefined
  }
}

function consoleLog(message: string, details?: Record<string, unknown>): void {
  // One line per record, so every line carries the prefix.
  console.debug(
    details === undefined
      ? `${PREFIX} ${message}`
      : `${PREFIX} ${message} ${JSON.stringify(details)}`
  )
}

/**
 * Checks a `debug` option.
 *
 * @param value - The candidate value.
 * @returns The value.
 * @throws TypeError unless it is `undefined`, a boolean or a function.
 */
export function checkDebug(value: unknown): boolean | SseLogger | undefined {
  if (value === undefined || typeof value === 'boolean' || typeof value === 'function') {
    return value as boolean | SseLogger | undefined
  }
  throw new TypeError(
    `The option "debug" must be a boolean or a function (message, details) => void; got ${describe(value)}.`
  )
}

/**
 * Picks where a request's or a stream's debug records go: the caller's function,
 * `console.debug` for `true`, or `console.debug` when `NODE_DEBUG` names `ssekit` (whatever
 * `debug` says, so logging can be switched on without code changes).
 *
 * @param debug - The `debug` option.
 * @returns The sink, or `undefined` when logging is off.
 */
export function pickLogger(debug: boolean | SseLogger | undefined): SseLogger | undefined {
  if (typeof debug === 'function') return debug
  if (debug === true || nodeDebugEnables(readNodeDebug())) return consoleLog
  return undefined
}

/**
 * Starts the log of one request or stream: every record carries its number (as `request` or
 * `stream`) and the milliseconds since it started.
 *
 * @param logger - Where records go.
 * @param subject - What is logged: `'request'` or `'stream'`.
 * @param id - Its number in this process.
 * @returns Its log.
 */
export function numberedLog(logger: SseLogger, subject: 'request' | 'stream', id: number): Log {
  const start = performance.now()
  return (message, details) => {
    logger(message, { [subject]: id, ms: Math.round(performance.now() - start), ...details })
  }
}
