import { describe } from './describe.js'
import { MAX_TIMER_MS } from './timers.js'

/**
 * The rules every option of the library is checked with, one per kind of value, so that the
 * same kind is accepted or refused alike wherever it appears:
 *
 * - milliseconds: an integer from 0 to {@link MAX_TIMER_MS}, the longest delay a timer can
 *   wait. `Infinity` only where the value bounds a duration rather than sets a timer
 *   (`reconnect.maxElapsed`, `history.maxAge`).
 * - counts and byte sizes: a safe integer (at least a given minimum). `Infinity` only where
 *   "unbounded" is a meaningful choice (reconnection attempts, collection and history bounds),
 *   never for a buffer the library itself must keep bounded.
 * - booleans and functions: exactly that type.
 * - header names and values: see {@link checkToken} and {@link checkHeaderValue}.
 *
 * Every check throws a TypeError naming the field, and returns the value it accepted.
 */

/** An HTTP token (RFC 9110 §5.6.2), the only legal shape of a header name or method. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Characters no header value may hold: controls other than HTAB, which split the block. */
// eslint-disable-next-line no-control-regex -- these are exactly the characters refused.
const CONTROL_CHAR = /[\x00-\x08\x0a-\x1f\x7f]/

/** Characters beyond Latin-1, which a header value, one byte per character, cannot carry. */
const WIDE_CHAR = /[\u0100-\uffff]/

/** How a numeric check bounds its value. */
export interface NumberRule {
  /**
   * The smallest value accepted.
   * @defaultValue 0
   */
  readonly min?: number
  /**
   * Whether `Infinity` is accepted, meaning "no bound".
   * @defaultValue false
   */
  readonly unbounded?: boolean
}

/**
 * Names an option in an error message.
 *
 * @param name - The option's name, dotted for a nested one (`reconnect.maxDelay`).
 * @returns `The option "name"`.
 */
export function option(name: string): string {
  return `The option "${name}"`
}

/**
 * Checks a number of milliseconds: an integer from `min` to {@link MAX_TIMER_MS}, or
 * `Infinity` when the rule allows it.
 *
 * @param value - The candidate value.
 * @param field - What to call it in the error message, e.g. `option('heartbeat')`.
 * @param rule - The smallest value, and whether `Infinity` is accepted.
 * @returns The value.
 * @throws TypeError naming the field.
 */
export function checkMilliseconds(value: unknown, field: string, rule: NumberRule = {}): number {
  const { min = 0, unbounded = false } = rule
  if (unbounded && value === Infinity) return value
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    value > MAX_TIMER_MS
  ) {
    throw new TypeError(
      `${field} must be a whole number of milliseconds from ${min} to ${MAX_TIMER_MS}${unbounded ? ', or Infinity' : ''}; got ${describe(value)}.`
    )
  }
  return value
}

/**
 * Checks a count or a size in bytes: a safe integer of at least `min`, or `Infinity` when the
 * rule allows it.
 *
 * @param value - The candidate value.
 * @param field - What to call it in the error message, e.g. `option('maxEvents')`.
 * @param rule - The smallest value, and whether `Infinity` is accepted.
 * @returns The value.
 * @throws TypeError naming the field.
 */
export function checkCount(value: unknown, field: string, rule: NumberRule = {}): number {
  const { min = 0, unbounded = false } = rule
  if (unbounded && value === Infinity) return value
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(
      `${field} must be an integer of at least ${min}${unbounded ? ', or Infinity' : ''}; got ${describe(value)}.`
    )
  }
  return value
}

/**
 * Checks a boolean.
 *
 * @param value - The candidate value.
 * @param field - What to call it in the error message.
 * @returns The value.
 * @throws TypeError naming the field.
 */
export function checkBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${field} must be a boolean; got ${describe(value)}.`)
  }
  return value
}

/**
 * Checks a function.
 *
 * @param value - The candidate value.
 * @param field - What to call it in the error message.
 * @returns The value.
 * @throws TypeError naming the field.
 */
export function checkFunction<T>(value: T, field: string): T {
  if (typeof value !== 'function') {
    throw new TypeError(`${field} must be a function; got ${describe(value)}.`)
  }
  return value
}

/**
 * Checks an options object: any object but an array.
 *
 * @param value - The candidate value.
 * @param field - What to call it in the error message, e.g. `'Channel options'`.
 * @returns The value.
 * @throws TypeError naming the field.
 */
export function checkObject(value: unknown, field: string): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${field} must be an object; got ${describe(value)}.`)
  }
  return value
}

/**
 * Checks that a value is a header name (an HTTP token).
 *
 * @param name - The candidate header name.
 * @param field - What to call it in the error message.
 * @returns The name.
 * @throws TypeError when it is not a token.
 */
export function checkToken(name: unknown, field: string): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new TypeError(
      `${field} must be an HTTP token (letters, digits and !#$%&'*+-.^_\`|~); got ${describe(name)}.`
    )
  }
  return name
}

/**
 * Checks that a value can be sent as a header value: a string without CR, LF, NUL or other
 * control characters, which would split the header block, and with no character beyond
 * Latin-1, since a header carries one byte per character.
 *
 * @param value - The candidate header value.
 * @param field - What to call it in the error message.
 * @returns The value.
 * @throws TypeError when it cannot be sent.
 */
export function checkHeaderValue(value: unknown, field: string): string {
  const text = checkHeaderText(value, field)
  if (WIDE_CHAR.test(text)) {
    throw new TypeError(
      `${field} must hold Latin-1 characters only (one byte each); got ${JSON.stringify(text)}. Encode other text first, for instance with encodeURIComponent.`
    )
  }
  return text
}

/**
 * Checks a header value that the library encodes as UTF-8 itself (`Last-Event-ID`): any text
 * without CR, LF, NUL or other control characters.
 *
 * @param value - The candidate value.
 * @param field - What to call it in the error message.
 * @returns The value.
 * @throws TypeError when it is not a string or holds a control character.
 */
export function checkHeaderText(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${field} must be a string; got ${describe(value)}.`)
  }
  if (CONTROL_CHAR.test(value)) {
    throw new TypeError(
      `${field} must not contain CR, LF, NUL or other control characters; got ${JSON.stringify(value)}.`
    )
  }
  return value
}
