import type { FastifyBaseLogger } from 'fastify'

/**
 * A Fastify logger (`loggerInstance`) that keeps the `err` of every error it is given (Fastify logs a failed
 * handler's error this way) and drops everything else.
 *
 * @param errors - Where the errors go.
 */
export function errorLogger(errors: unknown[]): FastifyBaseLogger {
  const ignore = (): void => undefined
  const logger: FastifyBaseLogger = {
    level: 'error',
    error: (entry: unknown) => {
      errors.push(typeof entry === 'object' && entry !== null && 'err' in entry ? entry.err : entry)
    },
    fatal: ignore,
    warn: ignore,
    info: ignore,
    debug: ignore,
    trace: ignore,
    silent: ignore,
    child: () => logger,
  }
  return logger
}
