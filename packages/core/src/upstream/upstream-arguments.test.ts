import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sleep } from '@ssekit/test-helpers/listen'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { sseEvents } from './iterate.js'
import type { SseRequestOptions } from './options.js'
import { sseRequest } from './request.js'
import { createSseStream } from '../stream/stream.js'
import { recordingSink } from '@ssekit/test-helpers/recording-sink'

function cyclic(): object {
  const value: Record<string, unknown> = {}
  value.self = value
  return value
}

/**
 * Bad upstream request options, given as changes to a valid request (`undefined` options and
 * `null` replace it whole), each with what its TypeError must name.
 */
const rows: { case: string; options: unknown; message: RegExp }[] = [
  { case: 'no options', options: undefined, message: /options must be an object/ },
  { case: 'null options', options: null, message: /options must be an object/ },
  { case: 'a URL string as options', options: 'url', message: /options must be an object/ },
  {
    case: 'a missing url',
    options: { url: undefined },
    message: /"url" must be a string or a URL/,
  },
  { case: 'a numeric url', options: { url: 8080 }, message: /"url" must be a string or a URL/ },
  { case: 'a relative url', options: { url: '/events' }, message: /"url" is not an absolute URL/ },
  { case: 'a url with a space in the host', options: { url: 'http://a b/' }, message: /"url"/ },
  { case: 'a ws: url', options: { url: 'ws://127.0.0.1/' }, message: /http: or https: URL/ },
  { case: 'an empty method', options: { method: '' }, message: /"method" must be an HTTP token/ },
  { case: 'a method with a space', options: { method: 'GET /x' }, message: /"method"/ },
  {
    case: 'a method with CRLF',
    options: { method: 'POST\r\nX-Injected: 1' },
    message: /"method" must be an HTTP token/,
  },
  { case: 'a numeric method', options: { method: 1 }, message: /"method"/ },
  { case: 'the method trace', options: { method: 'trace' }, message: /must not be trace/ },
  {
    case: 'a header name with CRLF',
    options: { headers: { 'X-A\r\nX-B': 'v' } },
    message: /header name "X-A\\r\\nX-B" in "headers"/,
  },
  {
    case: 'a header value with CRLF',
    options: { headers: { 'X-A': 'v\r\nX-B: w' } },
    message: /header "X-A" must not contain CR, LF/,
  },
  {
    case: 'a header value ending in LF',
    options: { headers: { 'X-A': 'v\n' } },
    message: /header "X-A"/,
  },
  {
    case: 'a header pair with a CR',
    options: { headers: [['X-A', 'a\rb']] },
    message: /header "X-A"/,
  },
  {
    case: 'a header value beyond Latin-1',
    options: { headers: { 'X-Name': '日本' } },
    message: /header "X-Name" must hold Latin-1 characters only/,
  },
  {
    case: 'a Last-Event-ID with a LF',
    options: { headers: { 'Last-Event-ID': '1\nX-B: w' } },
    message: /header "Last-Event-ID" must not contain CR, LF/,
  },
  {
    case: 'a numeric header value',
    options: { headers: { 'X-A': 1 } },
    message: /header "X-A" must be a string/,
  },
  {
    case: 'headers as one string',
    options: { headers: 'X-A: v' },
    message: /"headers" must be a record/,
  },
  {
    case: 'a Transfer-Encoding header',
    options: { method: 'POST', body: 'x', headers: { 'Transfer-Encoding': 'chunked' } },
    message: /header "Transfer-Encoding" in "headers" is set by fetch/,
  },
  {
    case: 'a Content-Length header',
    options: { method: 'POST', body: 'x', headers: { 'content-length': '5' } },
    message: /header "content-length" in "headers" is set by fetch/,
  },
  {
    case: 'a Connection: upgrade header',
    options: { headers: [['Connection', 'upgrade']] },
    message: /header "Connection"/,
  },
  {
    case: 'an Expect header',
    options: { headers: { Expect: '100-continue' } },
    message: /header "Expect"/,
  },
  {
    case: 'a negative timeout',
    options: { timeout: -1 },
    message: /"timeout" must be a whole number of milliseconds/,
  },
  { case: 'a NaN timeout', options: { timeout: NaN }, message: /"timeout"/ },
  { case: 'an infinite timeout', options: { timeout: Infinity }, message: /"timeout"/ },
  { case: 'a timeout past the timer limit', options: { timeout: 2 ** 31 }, message: /"timeout"/ },
  { case: 'a string timeout', options: { timeout: '5000' }, message: /"timeout"/ },
  { case: 'a negative idleTimeout', options: { idleTimeout: -5 }, message: /"idleTimeout"/ },
  { case: 'an infinite idleTimeout', options: { idleTimeout: Infinity }, message: /"idleTimeout"/ },
  { case: 'a body on GET', options: { body: 'x' }, message: /"body" cannot be sent with GET/ },
  { case: 'a boolean body', options: { method: 'POST', body: true }, message: /"body" must be/ },
  {
    case: 'a body with a cycle',
    options: { method: 'POST', body: cyclic() },
    message: /"body" cannot be JSON-encoded/,
  },
  {
    case: 'a bodyMediaType with CRLF',
    options: { method: 'POST', body: 'x', bodyMediaType: 'text/plain\r\nX-B: 1' },
    message: /"bodyMediaType"/,
  },
  { case: 'a signal that is not one', options: { signal: {} }, message: /"signal"/ },
  {
    case: 'a string forward',
    options: { forward: 'true' },
    message: /"forward" must be a boolean/,
  },
  { case: 'a string debug', options: { debug: 'verbose' }, message: /"debug"/ },
  { case: 'a string fetch', options: { fetch: 'undici' }, message: /"fetch" must be a function/ },
  { case: 'an object transform', options: { transform: {} }, message: /"transform"/ },
  { case: 'a numeric collect', options: { collect: 1 }, message: /"collect" must be a boolean/ },
  { case: 'a negative maxEvents', options: { maxEvents: -1 }, message: /"maxEvents"/ },
  {
    case: 'a fractional maxCollectedBytes',
    options: { maxCollectedBytes: 1.5 },
    message: /"maxCollectedBytes" must be an integer of at least 0, or Infinity/,
  },
  {
    case: 'a string maxCollectedBytes',
    options: { maxCollectedBytes: '16mb' },
    message: /"maxCollectedBytes"/,
  },
  { case: 'a NaN maxEventSize', options: { maxEventSize: NaN }, message: /"maxEventSize"/ },
]

/** Runs `call` and gives back what it threw or rejected with. */
async function failure(call: () => unknown): Promise<unknown> {
  try {
    await call()
  } catch (error) {
    return error
  }
  return undefined
}

describe('upstream calls given bad options', () => {
  let upstream: Upstream
  beforeAll(async () => {
    upstream = await startUpstream((call) => {
      call.end('data: reached\n\n')
    })
  })
  afterAll(async () => {
    await upstream.close()
  })

  /** The row's options: changes to a valid request, or a replacement for non-objects. */
  function optionsOf(row: (typeof rows)[number]): SseRequestOptions {
    const { options } = row
    if (typeof options !== 'object' || options === null) return options as SseRequestOptions
    return { url: upstream.url, ...options }
  }

  it.each(rows)(
    'sseRequest, sseEvents and stream.request refuse $case with a TypeError, sending nothing',
    async (row) => {
      const options = optionsOf(row)
      const sink = recordingSink()
      const stream = createSseStream(sink)
      const errors = [
        await failure(() => sseRequest(options)),
        await failure(() => sseEvents(options)),
        await failure(() => stream.request(options)),
      ]
      for (const error of errors) {
        expect(error).toBeInstanceOf(TypeError)
        expect((error as TypeError).message).toMatch(row.message)
      }
      // The downstream stream was not started, so the route can still answer with a status.
      expect(sink.io).toEqual([])
      expect(stream.clientDisconnected).toBe(false)
      // Long enough for a request that was sent to arrive.
      await sleep(20)
      expect(upstream.calls).toHaveLength(0)
    }
  )

  it('lets the same requests through once the bad option is removed', async () => {
    const { events } = await sseRequest({
      url: upstream.url,
      method: 'POST',
      body: 'x',
      headers: { 'X-A': 'v', Connection: 'keep-alive' },
      timeout: 5000,
    })
    expect(events).toEqual([{ data: 'reached' }])
    expect(upstream.calls).toHaveLength(1)
  })
})
