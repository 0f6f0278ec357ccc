import { afterEach, describe, expect, it, vi } from 'vitest'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { sseEvents } from './iterate.js'
import { nodeDebugEnables } from '../util/log.js'
import { redactHeaders, redactUrl } from '../util/redact.js'
import { sseRequest } from './request.js'

let upstream: Upstream | undefined
afterEach(async () => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
  await upstream?.close()
  upstream = undefined
})

/** An upstream that answers `/fail` with 401 and anything else with two events. */
async function serve(): Promise<Upstream> {
  upstream = await startUpstream(async (call) => {
    if (call.path.startsWith('/fail')) {
      call.open(401, { 'content-type': 'application/json', 'set-cookie': 'sid=SECRET-resp' })
      call.end('{"error":"bad key SECRET-body"}')
      return
    }
    call.open(200, { 'content-type': 'text/event-stream', 'set-cookie': 'sid=SECRET-resp' })
    await call.send({ event: 'delta', data: 'SECRET-data' })
    await call.send({ data: 'x'.repeat(10) })
    call.end()
  })
  return upstream
}

interface LogRecord {
  message: string
  details: Record<string, unknown> | undefined
}

describe('NODE_DEBUG', () => {
  it.each([
    ['ssekit', true],
    ['SSEKIT', true],
    ['http,ssekit', true],
    ['http, SseKit ,net', true],
    ['sse*', true],
    ['*', true],
    ['ssekitx', false],
    ['sse', false],
    ['http,net', false],
    ['', false],
    [undefined, false],
  ])('%j turns logging on: %s', (value, enabled) => {
    expect(nodeDebugEnables(value)).toBe(enabled)
  })
})

describe('redaction', () => {
  it('leaves out user info, redacts credential-like query parameters and drops the fragment', () => {
    const url = new URL(
      'https://me:pw@api.test:8443/v1/chat?model=m&api_key=k1&access_token=t1&Client-Secret=s1&page=2#f'
    )
    expect(redactUrl(url)).toBe(
      'https://api.test:8443/v1/chat?model=m&api_key=[redacted]&access_token=[redacted]&Client-Secret=[redacted]&page=2'
    )
    expect(redactUrl(new URL('http://api.test/'))).toBe('http://api.test/')
  })

  it('redacts credential headers and keeps the rest', () => {
    const headers = new Headers({
      Authorization: 'Bearer a',
      'Proxy-Authorization': 'Basic b',
      Cookie: 'c=1',
      'X-Api-Key': 'k',
      'X-Session-Token': 't',
      'X-Client-Secret': 's',
      Accept: 'text/event-stream',
      'X-Trace': 'abc',
    })
    expect(redactHeaders(headers)).toEqual({
      accept: 'text/event-stream',
      authorization: '[redacted]',
      cookie: '[redacted]',
      'proxy-authorization': '[redacted]',
      'x-api-key': '[redacted]',
      'x-client-secret': '[redacted]',
      'x-session-token': '[redacted]',
      'x-trace': 'abc',
    })
  })
})

describe('debug logs', () => {
  it('give a logger the request life and never a secret', async () => {
    const { url } = await serve()
    const records: LogRecord[] = []
    const debug = (message: string, details?: Record<string, unknown>): void => {
      records.push({ message, details })
    }
    const target = new URL(url)
    target.username = 'user'
    target.password = 'SECRET-password'
    target.search = '?api_key=SECRET-query&model=m'
    const secrets = {
      Authorization: 'Bearer SECRET-bearer',
      'Proxy-Authorization': 'Basic SECRET-proxy',
      Cookie: 'session=SECRET-cookie',
      'X-Api-Key': 'SECRET-apikey',
      'X-Auth-Token': 'SECRET-token',
      'X-Trace': 'visible-trace',
    }
    const body = { prompt: 'SECRET-prompt' }
    const { events } = await sseRequest({
      url: target,
      method: 'POST',
      headers: secrets,
      body,
      debug,
    })
    expect(events).toHaveLength(2)
    target.pathname = '/fail'
    await expect(
      sseRequest({ url: target, method: 'POST', headers: secrets, body, debug })
    ).rejects.toMatchObject({ status: 401 })

    const text = JSON.stringify(records)
    expect(text).not.toContain('SECRET')
    expect(records.map((record) => record.message)).toEqual([
      'request',
      'response',
      'event',
      'event',
      'end',
      'request',
      'response',
      'error',
    ])
    const [request, response, event] = records
    expect(request!.details).toMatchObject({
      method: 'POST',
      url: `http://${target.host}/?api_key=[redacted]&model=m`,
      headers: {
        authorization: '[redacted]',
        'x-api-key': '[redacted]',
        'x-trace': 'visible-trace',
        accept: 'text/event-stream',
        'content-type': 'application/json',
      },
    })
    expect(response!.details).toMatchObject({ status: 200, contentType: 'text/event-stream' })
    expect(event!.details).toMatchObject({ type: 'delta', size: 11 })
    expect(records[4]!.details).toMatchObject({ events: 2 })
    expect(records.at(-1)!.details).toMatchObject({ type: 'status', status: 401 })
    for (const record of records) {
      expect(record.details).toMatchObject({ request: expect.any(Number), ms: expect.any(Number) })
    }
  })

  it('records an abort when iteration stops early', async () => {
    const { url } = await serve()
    const messages: string[] = []
    const events = sseEvents({ url, debug: (message) => messages.push(message) })
    await events.next()
    await events.return?.()
    expect(messages).toContain('abort')
  })

  it('writes one [ssekit] line per record through console.debug with debug: true', async () => {
    const { url } = await serve()
    const lines: unknown[][] = []
    vi.spyOn(console, 'debug').mockImplementation((...args: unknown[]) => lines.push(args))
    await sseRequest({ url, headers: { Authorization: 'Bearer SECRET-bearer' }, debug: true })
    expect(lines.length).toBeGreaterThanOrEqual(5)
    for (const line of lines) {
      expect(line).toHaveLength(1)
      expect(line[0]).toMatch(/^\[ssekit\] \w+ \{.*\}$/)
      expect(line[0]).not.toMatch(/[\r\n]|SECRET/)
    }
  })

  it('turns on for every request when NODE_DEBUG names ssekit', async () => {
    const { url } = await serve()
    const lines: unknown[] = []
    vi.spyOn(console, 'debug').mockImplementation((line: unknown) => lines.push(line))
    await sseRequest({ url })
    expect(lines).toEqual([])
    vi.stubEnv('NODE_DEBUG', 'http,SSEKIT')
    await sseRequest({ url, debug: false })
    expect(lines.length).toBeGreaterThanOrEqual(5)
    expect(lines[0]).toMatch(/^\[ssekit\] request /)
  })
})
