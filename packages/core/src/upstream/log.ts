/**
 * Receives debug records of upstream requests instead of `console.debug`: a message such as
 * `'response'` and details such as `{ request: 3, status: 200, ms: 41 }`. Credentials are
 * redacted and bodies are never included.
 */
export type SseLogger = (message: string, details?: Record<string, unknown>) => void

/** Writes one record of a request's life. */
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
 * Picks where a request's debug records go: the caller's function, `console.debug` for
 * `true`, or `console.debug` when `NODE_DEBUG` names `ssekit` (whatever `debug` says, so
 * logging can be switched on without code changes).
 *
 * @param debug - The request's `debug` option.
 * @returns The sink, or `undefined` when logging is off.
 */
export function pickLogger(debug: boolean | SseLogger | undefined): SseLogger | undefined {
  if (typeof debug === 'function') return debug
  if (debug === true || nodeDebugEnables(readNodeDebug())) return consoleLog
  return undefined
}

/**
 * Starts the log of one request: every record carries the request's number and the
 * milliseconds since it started.
 *
 * @param logger - Where records go.
 * @param id - The request's number in this process.
 * @returns The request's log.
 */
export function requestLog(logger: SseLogger, id: number): Log {
  const start = performance.now()
  return (message, details) => {
    logger(message, { request: id, ms: Math.round(performance.now() - start), ...details })
  }
}
