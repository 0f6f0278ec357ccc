import { describe, expect, it } from 'vitest'
import { sseEvents } from './iterate.js'
import { createSseStream } from '../stream/stream.js'
import { createWebSink } from '../sink/web-sink.js'
import type { SseRequestOptions } from './options.js'
import { sseRequest } from './request.js'

const url = 'http://upstream.test/events'

/** Invalid options, each with the text its TypeError must contain. */
const invalid: [string, unknown, RegExp][] = [
  ['no options', undefined, /options must be an object/],
  ['no url', {}, /"url"/],
  ['a relative url', { url: '/events' }, /"url" is not an absolute URL/],
  ['a non-http url', { url: 'ftp://upstream.test/' }, /"url" must be an http: or https: URL/],
  ['a method with a space', { url, method: 'GET /x' }, /"method" must be an HTTP token/],
  ['a method with CRLF', { url, method: 'POST\r\nX-Evil: 1' }, /"method"/],
  ['a forbidden method', { url, method: 'CONNECT' }, /"method" must not be CONNECT/],
  ['a header name with a colon', { url, headers: { 'X-A:': 'v' } }, /header name "X-A:"/],
  ['a header value with LF', { url, headers: { 'X-A': 'v\nX-B: w' } }, /header "X-A"/],
  ['a header value ending in CRLF', { url, headers: { 'X-A': 'v\r\n' } }, /header "X-A"/],
  ['a non-string header value', { url, headers: { 'X-A': 1 } }, /header "X-A" must be a string/],
  ['a malformed header pair', { url, headers: [['X-A']] }, /\[name, value\] pairs/],
  ['headers as a string', { url, headers: 'X-A: v' }, /"headers" must be a record/],
  ['a body on GET', { url, body: 'x' }, /"body" cannot be sent with GET/],
  ['a numeric body', { url, method: 'POST', body: 42 }, /"body" must be a string/],
  ['a body with a cycle', { url, method: 'POST', body: cyclic() }, /"body" cannot be JSON-encoded/],
  ['a BigInt in the body', { url, method: 'POST', body: { n: 1n } }, /"body" cannot be JSON/],
  [
    'a bodyMediaType with CR',
    { url, method: 'POST', body: 'x', bodyMediaType: 'a\rb' },
    /"bodyMediaType"/,
  ],
  ['a bodyMediaType without body', { url, bodyMediaType: 'text/plain' }, /without a "body"/],
  ['a negative timeout', { url, timeout: -1 }, /"timeout" must be a whole number of milliseconds/],
  ['an infinite timeout', { url, timeout: Infinity }, /"timeout"/],
  ['a NaN idleTimeout', { url, idleTimeout: NaN }, /"idleTimeout"/],
  ['a string idleTimeout', { url, idleTimeout: '5' }, /"idleTimeout"/],
  ['an unknown debug type', { url, debug: 'yes' }, /"debug" must be a boolean or a function/],
  ['a signal that is not one', { url, signal: {} }, /"signal" must be an AbortSignal/],
  ['a dispatcher without dispatch', { url, dispatcher: {} }, /"dispatcher" must be an undici/],
  ['a forward that is not a boolean', { url, forward: 'yes' }, /"forward" must be a boolean/],
  ['a fetch that is not a function', { url, fetch: {} }, /"fetch" must be a function/],
  ['a transform that is not a function', { url, transform: 1 }, /"transform" must be a function/],
  ['a fractional maxEvents', { url, maxEvents: 1.5 }, /"maxEvents" must be an integer/],
  [
    'a zero maxEventSize',
    { url, maxEventSize: 0 },
    /"maxEventSize" must be an integer of at least 1/,
  ],
]

function cyclic(): object {
  const value: Record<string, unknown> = {}
  value.self = value
  return value
}

describe('upstream request options', () => {
  it.each(invalid)(
    'rejects %s with a TypeError before any I/O',
    async (_case, options, message) => {
      let fetched = 0
      const spy = (): Promise<Response> => {
        fetched++
        return Promise.reject(new Error('fetch must not be called'))
      }
      const request = (
        typeof options === 'object' && options !== null && !('fetch' in options)
          ? { ...options, fetch: spy }
          : options
      ) as SseRequestOptions

      await expect(sseRequest(request)).rejects.toThrow(message)
      await expect(sseRequest(request)).rejects.toBeInstanceOf(TypeError)
      const stream = createSseStream(createWebSink())
      await expect(stream.request(request)).rejects.toThrow(message)
      expect(stream.clientDisconnected).toBe(false)
      expect(() => sseEvents(request)).toThrow(message)
      expect(fetched).toBe(0)
    }
  )

  it('rejects forward: true where there is no stream to forward to', async () => {
    await expect(sseRequest({ url, forward: true })).rejects.toThrow(/stream\.request\(\)/)
  })
})
