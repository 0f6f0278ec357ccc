import type { RedisBackplaneOptions } from './redis-backplane.js'

/** Node's largest timer delay. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Validates the options of `createRedisBackplane`.
 *
 * @param options - The caller's options.
 * @returns The same options, or an empty object.
 * @throws TypeError naming the first invalid option.
 */
export function checkOptions(options: unknown): RedisBackplaneOptions {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`Redis backplane options must be an object; got ${typeName(options)}.`)
  }
  const { url, redis, prefix, publishTimeout, onError } = options as RedisBackplaneOptions
  if (url !== undefined && typeof url !== 'string') {
    throw new TypeError(`The option "url" must be a string; got ${typeName(url)}.`)
  }
  if (redis !== undefined && (typeof redis !== 'object' || (redis as unknown) === null)) {
    throw new TypeError(`The option "redis" must be an object; got ${typeName(redis)}.`)
  }
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw new TypeError(`The option "prefix" must be a string; got ${typeName(prefix)}.`)
  }
  if (
    publishTimeout !== undefined &&
    (typeof publishTimeout !== 'number' ||
      !Number.isSafeInteger(publishTimeout) ||
      publishTimeout < 1 ||
      publishTimeout > MAX_TIMER_MS)
  ) {
    throw new TypeError(
      `The option "publishTimeout" must be a positive integer of milliseconds up to ${MAX_TIMER_MS}; got ${typeName(publishTimeout)}.`
    )
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError(`The option "onError" must be a function; got ${typeName(onError)}.`)
  }
  return options
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`
  return Array.isArray(value) ? 'an array' : typeof value
}
