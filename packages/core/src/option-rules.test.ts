import { describe, expect, it } from 'vitest'
import { resolveChannelOptions, checkSubscribeOptions } from './channel/options.js'
import { formatEvent } from './event/format.js'
import { resolveStreamOptions } from './stream/options.js'
import { createStreamGroup } from './stream/stream-group.js'
import { resolveRequestOptions } from './upstream/resolve-request.js'

// One table per kind of value, and every option of that kind checked against it: the same
// value is accepted or refused alike wherever the kind appears, with a TypeError naming the
// option.

const MAX_TIMER_MS = 2 ** 31 - 1
const url = 'http://127.0.0.1:1/'
const noop = (): void => undefined

interface Rule {
  readonly accepted: readonly unknown[]
  readonly refused: readonly unknown[]
}

const MILLISECONDS: Rule = {
  accepted: [0, 1, 1000, MAX_TIMER_MS],
  refused: [-1, 1.5, 0.5, NaN, Infinity, MAX_TIMER_MS + 1, '100', null, 10n],
}
const MILLISECONDS_OR_INFINITY: Rule = {
  accepted: [0, 1000, MAX_TIMER_MS, Infinity],
  refused: [-1, 1.5, NaN, -Infinity, MAX_TIMER_MS + 1, '100', null],
}
const COUNT: Rule = {
  accepted: [0, 1, 1000, Number.MAX_SAFE_INTEGER],
  refused: [-1, 0.5, 1.5, NaN, Infinity, 2 ** 53, '1', null],
}
const COUNT_OR_INFINITY: Rule = {
  accepted: [0, 1, Number.MAX_SAFE_INTEGER, Infinity],
  refused: [-1, 0.5, NaN, -Infinity, 2 ** 53, '1', null],
}
const POSITIVE_COUNT_OR_INFINITY: Rule = {
  accepted: [1, Number.MAX_SAFE_INTEGER, Infinity],
  refused: [0, -1, 0.5, NaN, 2 ** 53, '1', null],
}
const BOOLEAN: Rule = { accepted: [true, false], refused: [0, 1, 'true', null] }
const FUNCTION: Rule = { accepted: [noop], refused: ['noop', {}, 1, null] }
const HEADER_VALUE: Rule = {
  accepted: ['text/plain', 'a\tb', 'caf\u00e9', ''],
  refused: ['a\r\nb', 'a\nb', 'a\u0000b', '\u20ac', 1, null],
}

type Apply = (value: unknown) => unknown

const stream =
  (name: string): Apply =>
  (value) =>
    resolveStreamOptions({ [name]: value })
const upstream =
  (name: string): Apply =>
  (value) =>
    resolveRequestOptions({ url, [name]: value })
const reconnect =
  (name: string): Apply =>
  (value) =>
    resolveRequestOptions({ url, reconnect: { [name]: value } })
const channel =
  (name: string): Apply =>
  (value) =>
    resolveChannelOptions('room', { [name]: value })
const history =
  (name: string): Apply =>
  (value) =>
    resolveChannelOptions('room', { history: { [name]: value } })

const OPTIONS: readonly (readonly [field: string, rule: Rule, apply: Apply])[] = [
  ['heartbeat', MILLISECONDS, stream('heartbeat')],
  ['retry', MILLISECONDS, stream('retry')],
  ['sendTimeout', MILLISECONDS, stream('sendTimeout')],
  ['maxDuration', MILLISECONDS, stream('maxDuration')],
  ['maxBufferedBytes', COUNT, stream('maxBufferedBytes')],
  ['"retry"', MILLISECONDS, (value) => formatEvent({ retry: value as number, data: 'x' })],
  ['timeout', MILLISECONDS, upstream('timeout')],
  ['idleTimeout', MILLISECONDS, upstream('idleTimeout')],
  ['eventTimeout', MILLISECONDS, upstream('eventTimeout')],
  ['maxEvents', COUNT_OR_INFINITY, upstream('maxEvents')],
  ['maxCollectedBytes', COUNT_OR_INFINITY, upstream('maxCollectedBytes')],
  ['maxEventSize', POSITIVE_COUNT_OR_INFINITY, upstream('maxEventSize')],
  ['forward', BOOLEAN, upstream('forward')],
  ['collect', BOOLEAN, upstream('collect')],
  ['onOpen', FUNCTION, upstream('onOpen')],
  ['transform', FUNCTION, upstream('transform')],
  ['fetch', FUNCTION, upstream('fetch')],
  ['reconnect.initialDelay', MILLISECONDS, reconnect('initialDelay')],
  ['reconnect.maxDelay', MILLISECONDS, reconnect('maxDelay')],
  ['reconnect.maxElapsed', MILLISECONDS_OR_INFINITY, reconnect('maxElapsed')],
  ['reconnect.maxAttempts', COUNT_OR_INFINITY, reconnect('maxAttempts')],
  ['reconnect.resumeAfterEnd', BOOLEAN, reconnect('resumeAfterEnd')],
  ['reconnect.nonIdempotent', BOOLEAN, reconnect('nonIdempotent')],
  ['reconnect.onRetry', FUNCTION, reconnect('onRetry')],
  ['reconnect.onGiveUp', FUNCTION, reconnect('onGiveUp')],
  ['ids', BOOLEAN, channel('ids')],
  ['onError', FUNCTION, channel('onError')],
  ['history.maxEvents', COUNT_OR_INFINITY, history('maxEvents')],
  ['history.maxBytes', COUNT_OR_INFINITY, history('maxBytes')],
  ['history.maxAge', MILLISECONDS_OR_INFINITY, history('maxAge')],
  [
    'X-Room',
    HEADER_VALUE,
    (value) => resolveStreamOptions({ headers: { 'X-Room': value as string } }),
  ],
  [
    'bodyMediaType',
    HEADER_VALUE,
    (value) =>
      resolveRequestOptions({ url, method: 'POST', body: 'x', bodyMediaType: value as string }),
  ],
  ['filter', FUNCTION, (value) => checkSubscribeOptions({ filter: value as never })],
]

const show = (value: unknown): string =>
  typeof value === 'function'
    ? 'a function'
    : typeof value === 'bigint'
      ? `${value}n`
      : String(value)

describe.each(OPTIONS)('the option %s', (field, rule, apply) => {
  it.each(rule.accepted.map((value) => [show(value), value]))('accepts %s', (_, value) => {
    expect(() => apply(value)).not.toThrow()
  })

  it.each(rule.refused.map((value) => [show(value), value]))(
    'refuses %s with a TypeError naming it',
    (_, value) => {
      expect(() => apply(value)).toThrow(TypeError)
      expect(() => apply(value)).toThrow(field.startsWith('"') ? field : `"${field}"`)
    }
  )
})

describe("closeAll()'s grace", () => {
  it.each(MILLISECONDS.accepted.map((value) => [show(value), value]))(
    'accepts %s',
    async (_, value) => {
      await expect(createStreamGroup().closeAll({ grace: value as number })).resolves.toBe(
        undefined
      )
    }
  )

  it.each(MILLISECONDS.refused.map((value) => [show(value), value]))(
    'refuses %s with a TypeError naming it',
    async (_, value) => {
      const closing = createStreamGroup().closeAll({ grace: value as number })
      await expect(closing).rejects.toThrow(TypeError)
      await expect(closing).rejects.toThrow('"grace"')
    }
  )
})
