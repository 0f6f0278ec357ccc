import { Readable } from 'node:stream'
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { listen } from '@ssekit/test-helpers/listen'
import {
  socketCloseDelay,
  upstreamPerTest,
  type UpstreamHandler,
} from '@ssekit/test-helpers/upstream'
import { SseTimeoutError, SseUpstreamError } from './errors.js'
import type { SseRequestOptions } from './options.js'
import { sseRequest } from './request.js'

const serve = upstreamPerTest()

const oneEvent: UpstreamHandler = async (call) => {
  await call.send({ data: 'ok' })
  call.end()
}

describe('what the upstream receives', () => {
  it('receives a POST with a JSON body, the caller headers and Accept: text/event-stream', async () => {
    const { url, call } = await serve(oneEvent)
    const result = await sseRequest({
      url: `${url}/v1/chat?stream=1`,
      method: 'POST',
      headers: { Authorization: 'Bearer sk-test', 'X-Trace': 'abc' },
      body: { model: 'm', messages: [{ role: 'user', content: 'héllo' }] },
    })
    expect(result.events).toEqual([{ data: 'ok' }])
    const received = await call(0)
    expect(received.method).toBe('POST')
    expect(received.path).toBe('/v1/chat?stream=1')
    expect(received.headers.authorization).toBe('Bearer sk-test')
    expect(received.headers['x-trace']).toBe('abc')
    expect(received.headers.accept).toBe('text/event-stream')
    expect(received.headers['content-type']).toBe('application/json')
    expect(JSON.parse(received.text)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'héllo' }],
    })
  })

  it('sends GET without a body by default', async () => {
    const { url, call } = await serve(oneEvent)
    await sseRequest({ url })
    const received = await call(0)
    expect(received.method).toBe('GET')
    expect(received.body.byteLength).toBe(0)
    expect(received.headers['content-type']).toBeUndefined()
  })

  it.each<[string, SseRequestOptions['headers']]>([
    ['a Headers object', new Headers({ 'X-One': '1', Accept: 'application/x-ndjson' })],
    [
      '[name, value] pairs',
      [
        ['X-One', '1'],
        ['Accept', 'application/x-ndjson'],
      ],
    ],
    ['a record', { 'X-One': '1', Accept: 'application/x-ndjson' }],
  ])('takes headers as %s and keeps the caller Accept', async (_kind, headers) => {
    const { url, call } = await serve(oneEvent)
    await sseRequest({ url, headers })
    const received = await call(0)
    expect(received.headers['x-one']).toBe('1')
    expect(received.headers.accept).toBe('application/x-ndjson')
  })

  it.each<[string, () => SseRequestOptions['body'], string, string]>([
    ['a string', () => 'plain text', 'plain text', 'text/plain;charset=UTF-8'],
    [
      'bytes',
      () => new TextEncoder().encode('bytes ✓'),
      'bytes ✓',
      '', // fetch sets no Content-Type for bytes
    ],
    [
      'URLSearchParams',
      () => new URLSearchParams({ q: 'a b', n: '1' }),
      'q=a+b&n=1',
      'application/x-www-form-urlencoded;charset=UTF-8',
    ],
    [
      'a ReadableStream',
      () => Readable.toWeb(Readable.from([Buffer.from('str'), Buffer.from('eamed')])),
      'streamed',
      '',
    ],
    [
      'a Node stream',
      () => Readable.from([Buffer.from('node '), Buffer.from('stream')]),
      'node stream',
      '',
    ],
    ['an array, JSON-encoded', () => [1, 'two'], '[1,"two"]', 'application/json'],
  ])('sends a body given as %s', async (_kind, body, text, contentType) => {
    const { url, call } = await serve(oneEvent)
    await sseRequest({ url, method: 'PUT', body: body() })
    const received = await call(0)
    expect(received.method).toBe('PUT')
    expect(received.text).toBe(text)
    expect(received.headers['content-type'] ?? '').toBe(contentType)
  })

  it('sets the body media type from bodyMediaType, over a Content-Type header', async () => {
    const { url, call } = await serve(oneEvent)
    await sseRequest({
      url,
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '<q>hi</q>',
      bodyMediaType: 'application/xml',
    })
    const received = await call(0)
    expect(received.headers['content-type']).toBe('application/xml')
    expect(received.text).toBe('<q>hi</q>')
  })

  it('sends user info from the URL as Basic authorization, not in the URL', async () => {
    const { url, call } = await serve(oneEvent)
    const target = new URL(`${url}/private`)
    target.username = 'ada'
    target.password = 'pä ss:1'
    await sseRequest({ url: target })
    const received = await call(0)
    expect(received.path).toBe('/private')
    expect(received.headers.authorization).toBe(
      `Basic ${Buffer.from('ada:pä ss:1').toString('base64')}`
    )
  })

  it('goes through a custom fetch', async () => {
    const { url, call } = await serve(oneEvent)
    const seen: string[] = []
    const result = await sseRequest({
      url,
      fetch: (input, init) => {
        seen.push(`${init.method ?? ''} ${input}`)
        return fetch(input, init)
      },
    })
    expect(seen).toEqual([`GET ${url}/`])
    expect(result.events).toEqual([{ data: 'ok' }])
    expect((await call(0)).method).toBe('GET')
  })
})

describe('upstream answers that are not an event stream', () => {
  it('rejects a non-200 status with the status, content type, URL and body', async () => {
    const { url } = await serve((call) => {
      call.open(429, { 'content-type': 'application/json' })
      call.end('{"error":"rate limited"}')
    })
    const error = await sseRequest({ url: `${url}/chat` }).catch((error: unknown) => error)
    expect(error).toBeInstanceOf(SseUpstreamError)
    expect(error).toMatchObject({
      name: 'SseUpstreamError',
      type: 'status',
      status: 429,
      contentType: 'application/json',
      url: `${url}/chat`,
      body: '{"error":"rate limited"}',
      events: [],
    })
    expect((error as Error).message).toContain('429')
  })

  it('rejects 200 with another media type, and keeps only the first 4 KiB of the body', async () => {
    const body = 'é'.repeat(3000) // 6000 bytes; byte 4096 falls inside a character
    const { url } = await serve((call) => {
      call.open(200, { 'content-type': 'text/html; charset=utf-8' })
      call.end(body)
    })
    const error = await sseRequest({ url }).catch((error: unknown) => error)
    expect(error).toMatchObject({
      type: 'media-type',
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: 'é'.repeat(2048),
    })
  })

  it('rejects 200 without a Content-Type, reporting contentType null', async () => {
    const { url } = await serve((call) => {
      call.open(200, {})
      call.end('data: looks like SSE\n\n')
    })
    await expect(sseRequest({ url })).rejects.toMatchObject({
      type: 'media-type',
      contentType: null,
      body: 'data: looks like SSE\n\n',
    })
  })

  it('rejects 204 No Content', async () => {
    const { url } = await serve((call) => {
      call.open(204, { 'content-type': 'text/event-stream' })
      call.end()
    })
    await expect(sseRequest({ url })).rejects.toMatchObject({ type: 'status', status: 204 })
  })

  it('accepts the media type in any case and with parameters', async () => {
    const { url } = await serve(async (call) => {
      call.open(200, { 'content-type': 'Text/Event-Stream ; Charset=UTF-8' })
      await call.send({ data: 'ok' })
      call.end()
    })
    expect((await sseRequest({ url })).events).toEqual([{ data: 'ok' }])
  })

  it('releases the rest of a long error body by closing the connection', async () => {
    const { url, call } = await serve(async (call) => {
      call.open(500, { 'content-type': 'text/plain' })
      // Far more than the 4 KiB kept, and never ending.
      while (await call.write('x'.repeat(16 * 1024)));
    })
    const error = await sseRequest({ url }).catch((error: unknown) => error)
    const since = performance.now()
    expect(error).toMatchObject({ type: 'status', status: 500, body: 'x'.repeat(4096) })
    expect(await socketCloseDelay(await call(0), since)).toBeLessThan(1000)
  })

  it('rejects a refused connection as a network error with status 0', async () => {
    const closed = await listen(() => undefined)
    const url = closed.url
    await closed.close()
    const error = await sseRequest({ url }).catch((error: unknown) => error)
    expect(error).toBeInstanceOf(SseUpstreamError)
    expect(error).toMatchObject({ type: 'network', status: 0, contentType: null, body: '' })
    expect((error as Error).cause).toBeInstanceOf(Error)
  })
})

describe('connect timeout', () => {
  it('rejects with SseTimeoutError phase connect when no headers come, and closes the socket', async () => {
    const { url, call } = await serve((call) => call.closed)
    const started = performance.now()
    const error = await sseRequest({ url, timeout: 150 }).catch((error: unknown) => error)
    expect(error).toBeInstanceOf(SseTimeoutError)
    expect(error).toMatchObject({
      name: 'SseTimeoutError',
      phase: 'connect',
      timeout: 150,
      url: `${url}/`,
    })
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(await socketCloseDelay(await call(0), performance.now())).toBeLessThan(1000)
  })

  it('does not limit the body once the headers came in time', async () => {
    const { url } = await serve(async (call) => {
      call.open()
      await new Promise((resolve) => setTimeout(resolve, 250))
      await call.send({ data: 'late but fine' })
      call.end()
    })
    expect((await sseRequest({ url, timeout: 100 })).events).toEqual([{ data: 'late but fine' }])
  })

  it('closes the upstream socket at once when the signal aborts while waiting for headers', async () => {
    const { url, call } = await serve((call) => call.closed)
    const abort = new AbortController()
    const request = sseRequest({ url, signal: abort.signal })
    const received = await call(0)
    const since = performance.now()
    abort.abort()
    await expect(request).rejects.toMatchObject({ name: 'AbortError' })
    expect(await socketCloseDelay(received, since)).toBeLessThan(1000)
  })
})
