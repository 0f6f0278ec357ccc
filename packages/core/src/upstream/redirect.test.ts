import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import {
  startUpstream,
  type Upstream,
  type UpstreamCall,
  type UpstreamHandler,
} from '@ssekit/test-helpers/upstream'
import { SseUpstreamError } from './errors.js'
import type { SseFetch } from './options.js'
import { sseRequest } from './request.js'

const servers: Upstream[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** Starts an upstream on its own port: another origin than every other one. */
async function start(handler: UpstreamHandler): Promise<Upstream> {
  const server = await startUpstream(handler)
  servers.push(server)
  return server
}

/** Headers that carry credentials, in the spellings APIs use. */
const CREDENTIALS: Record<string, string> = {
  Authorization: 'Bearer SECRET-authorization',
  'Proxy-Authorization': 'Basic SECRET-proxy',
  Cookie: 'sid=SECRET-cookie',
  'X-Api-Key': 'SECRET-x-api-key',
  'Api-Key': 'SECRET-api-key',
  'X-Auth-Token': 'SECRET-auth-token',
  'X-Goog-Api-Key': 'SECRET-goog',
  'Ocp-Apim-Subscription-Key': 'SECRET-azure',
  'PRIVATE-TOKEN': 'SECRET-gitlab',
  'X-Amz-Security-Token': 'SECRET-aws',
  'X-Bearer': 'SECRET-bearer',
  'X-JWT': 'SECRET-jwt',
  'X-CSRF-Token': 'SECRET-csrf',
  'X-Client-Cert': 'SECRET-cert',
}
const HEADERS = { ...CREDENTIALS, 'X-Trace': 'trace-1', 'Last-Event-ID': '7' }

const oneEvent: UpstreamHandler = async (call) => {
  await call.send({ data: 'ok' })
  call.end()
}

/** Answers every request with a redirect to `location`. */
function redirectTo(location: () => string, status = 302): UpstreamHandler {
  return (call) => {
    call.open(status, { location: location() })
    call.end()
  }
}

/** The credential values one request carried. */
function secretsIn(call: UpstreamCall): string[] {
  return Object.values(call.headers)
    .flat()
    .filter((value): value is string => value?.includes('SECRET') === true)
}

describe('a redirect to another origin', () => {
  it('is refused by default: the other origin sees no request', async () => {
    const other = await start(oneEvent)
    const origin = await start(redirectTo(() => `${other.url}/elsewhere`))
    const error: unknown = await sseRequest({
      url: `${origin.url}/events`,
      headers: HEADERS,
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SseUpstreamError)
    expect(error).toMatchObject({ type: 'redirect', status: 302, url: `${origin.url}/events` })
    expect((error as Error).message).toContain(`another origin, ${other.url}/elsewhere`)
    expect(other.calls).toHaveLength(0)
  })

  it('is final: a reconnecting call does not try again', async () => {
    const other = await start(oneEvent)
    const origin = await start(redirectTo(() => other.url))
    await expect(
      sseRequest({ url: origin.url, headers: HEADERS, reconnect: { initialDelay: 1 } })
    ).rejects.toMatchObject({ type: 'redirect' })
    expect(origin.calls).toHaveLength(1)
    expect(other.calls).toHaveLength(0)
  })

  it("is followed with redirect: 'follow', without any credential header", async () => {
    const other = await start(oneEvent)
    const origin = await start(redirectTo(() => `${other.url}/elsewhere`))
    const { events } = await sseRequest({
      url: `${origin.url}/events`,
      headers: HEADERS,
      redirect: 'follow',
    })
    expect(events).toEqual([{ data: 'ok' }])
    const received = await other.call(0)
    expect(received.path).toBe('/elsewhere')
    expect(secretsIn(received)).toEqual([])
    for (const name of Object.keys(CREDENTIALS)) {
      expect(received.headers[name.toLowerCase()]).toBeUndefined()
    }
    expect(received.headers['x-trace']).toBe('trace-1')
    expect(received.headers['last-event-id']).toBe('7')
    expect(received.headers.accept).toBe('text/event-stream')
    expect(secretsIn(await origin.call(0))).toHaveLength(Object.keys(CREDENTIALS).length)
  })

  it('carries the credential headers only with unsafeForwardCredentialsOnRedirect', async () => {
    const other = await start(oneEvent)
    const origin = await start(redirectTo(() => `${other.url}/elsewhere`, 307))
    await sseRequest({
      url: origin.url,
      headers: HEADERS,
      redirect: 'follow',
      unsafeForwardCredentialsOnRedirect: true,
    })
    const received = await other.call(0)
    for (const [name, value] of Object.entries(CREDENTIALS)) {
      expect(received.headers[name.toLowerCase()]).toBe(value)
    }
  })

  it('is logged with the target redacted and the dropped header names', async () => {
    const other = await start(oneEvent)
    const origin = await start(redirectTo(() => `${other.url}/signed?sig=SECRET-sig&model=m`))
    const records: [string, Record<string, unknown> | undefined][] = []
    await sseRequest({
      url: origin.url,
      headers: { 'X-Api-Key': 'SECRET-key' },
      redirect: 'follow',
      debug: (message, details) => records.push([message, details]),
    })
    expect(JSON.stringify(records)).not.toContain('SECRET')
    const redirect = records.find(([message]) => message === 'redirect')
    expect(redirect?.[1]).toMatchObject({
      status: 302,
      method: 'GET',
      url: `${other.url}/signed?sig=[redacted]&model=m`,
      crossOrigin: true,
      droppedHeaders: ['x-api-key'],
    })
  })
})

describe('a redirect within the origin', () => {
  it('is followed with every header', async () => {
    const upstream = await start((call) =>
      call.path === '/old' ? redirectTo(() => '/new', 301)(call) : oneEvent(call)
    )
    const { events } = await sseRequest({ url: `${upstream.url}/old`, headers: HEADERS })
    expect(events).toEqual([{ data: 'ok' }])
    const received = await upstream.call(1)
    expect(received.path).toBe('/new')
    expect(secretsIn(received)).toHaveLength(Object.keys(CREDENTIALS).length)
    expect(received.headers['last-event-id']).toBe('7')
  })

  it('turns a POST into a GET without its body after 303 (and 302)', async () => {
    for (const status of [303, 302]) {
      const upstream = await start((call) =>
        call.path === '/old' ? redirectTo(() => '/new', status)(call) : oneEvent(call)
      )
      await sseRequest({ url: `${upstream.url}/old`, method: 'POST', body: { q: 'hi' } })
      const [first, second] = [await upstream.call(0), await upstream.call(1)]
      expect([first.method, first.text]).toEqual(['POST', '{"q":"hi"}'])
      expect([second.method, second.text]).toEqual(['GET', ''])
      expect(second.headers['content-type']).toBeUndefined()
    }
  })

  it('keeps the method and body after 307 and 308', async () => {
    for (const status of [307, 308]) {
      const upstream = await start((call) =>
        call.path === '/old' ? redirectTo(() => '/new', status)(call) : oneEvent(call)
      )
      await sseRequest({ url: `${upstream.url}/old`, method: 'POST', body: { q: 'hi' } })
      const second = await upstream.call(1)
      expect([second.method, second.text]).toEqual(['POST', '{"q":"hi"}'])
      expect(second.headers['content-type']).toBe('application/json')
    }
  })

  it('refuses to send a streamed body again after 307', async () => {
    const upstream = await start((call) =>
      call.path === '/old' ? redirectTo(() => '/new', 307)(call) : oneEvent(call)
    )
    const body = Readable.toWeb(Readable.from([Buffer.from('chunk')])) as ReadableStream
    await expect(
      sseRequest({ url: `${upstream.url}/old`, method: 'POST', body })
    ).rejects.toMatchObject({
      type: 'redirect',
      status: 307,
      message: expect.stringContaining('a streamed body cannot be sent twice'),
    })
    expect(upstream.calls).toHaveLength(1)
  })

  it('stops after 20 redirects in a row', async () => {
    let hops = 0
    const upstream = await start(redirectTo(() => `/hop${++hops}`))
    await expect(sseRequest({ url: upstream.url })).rejects.toMatchObject({
      type: 'redirect',
      message: expect.stringContaining('after 20 redirects'),
    })
    expect(upstream.calls).toHaveLength(21)
  })

  it("is refused with redirect: 'error'", async () => {
    const upstream = await start((call) =>
      call.path === '/old' ? redirectTo(() => '/new')(call) : oneEvent(call)
    )
    await expect(
      sseRequest({ url: `${upstream.url}/old`, redirect: 'error' })
    ).rejects.toMatchObject({ type: 'redirect', status: 302 })
    expect(upstream.calls).toHaveLength(1)
  })

  it('leaves reconnections to start again from the URL requested', async () => {
    const upstream = await start(async (call) => {
      if (call.path === '/start') return redirectTo(() => '/stream')(call)
      const lastEventId = call.headers['last-event-id']
      if (lastEventId === undefined) await call.send({ id: '1', data: 'first', retry: 1 })
      else if (lastEventId === '1') await call.send({ id: '2', data: 'second' })
      // 204 stops a client from reconnecting.
      else call.open(204, {})
      call.end()
    })
    const { events } = await sseRequest({ url: `${upstream.url}/start`, reconnect: true })
    expect(events.map((event) => event.data)).toEqual(['first', 'second'])
    expect(upstream.calls.map((call) => call.path)).toEqual([
      '/start',
      '/stream',
      '/start',
      '/stream',
      '/start',
      '/stream',
    ])
    expect(upstream.calls.map((call) => call.headers['last-event-id'])).toEqual([
      undefined,
      undefined,
      '1',
      '1',
      '2',
      '2',
    ])
  })
})

describe('redirects the fetch in use reports', () => {
  /** A fetch that answers the first request with `first` and records every call. */
  function fakeFetch(first: () => Response): { fetch: SseFetch; calls: [string, RequestInit][] } {
    const calls: [string, RequestInit][] = []
    const fetch: SseFetch = (input, init) => {
      calls.push([input, init])
      return Promise.resolve(
        calls.length === 1
          ? first()
          : new Response('data: x\n\n', { headers: { 'content-type': 'text/event-stream' } })
      )
    }
    return { fetch, calls }
  }

  it('always refuses a redirect from https to http', async () => {
    const { fetch, calls } = fakeFetch(
      () =>
        new Response(null, { status: 302, headers: { location: 'http://api.test/plain?key=k' } })
    )
    const error: unknown = await sseRequest({
      url: 'https://api.test/events?token=SECRET-token',
      headers: CREDENTIALS,
      fetch,
      redirect: 'follow',
      unsafeForwardCredentialsOnRedirect: true,
    }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({
      type: 'redirect',
      status: 302,
      url: 'https://api.test/events?token=[redacted]',
      message: expect.stringContaining('from https to http://api.test/plain?key=[redacted]'),
    })
    expect((error as Error).message).not.toContain('SECRET')
    expect(calls).toHaveLength(1)
    expect(calls[0]![1].redirect).toBe('manual')
  })

  it('refuses an upgrade to https, naming the URL to request instead', async () => {
    const { fetch, calls } = fakeFetch(
      () => new Response(null, { status: 301, headers: { location: 'https://api.test/events' } })
    )
    await expect(
      sseRequest({ url: 'http://api.test/events', headers: CREDENTIALS, fetch })
    ).rejects.toMatchObject({
      type: 'redirect',
      message: expect.stringContaining('Request the https: URL directly'),
    })
    expect(calls).toHaveLength(1)
  })

  it('fails clearly on an opaque redirect', async () => {
    const opaque = { type: 'opaqueredirect', status: 0, headers: new Headers(), body: null }
    const { fetch } = fakeFetch(() => opaque as unknown as Response)
    await expect(sseRequest({ url: 'https://api.test/', fetch })).rejects.toMatchObject({
      type: 'redirect',
      status: 0,
      message: expect.stringContaining('opaque redirect'),
    })
  })
})

describe('redirect options', () => {
  it.each([
    [{ redirect: 'manual' }, /"redirect" must be 'same-origin', 'follow' or 'error'/],
    [{ unsafeForwardCredentialsOnRedirect: 'yes' }, /"unsafeForwardCredentialsOnRedirect"/],
    [{ unsafeForwardCredentialsOnRedirect: true }, /only applies with redirect: 'follow'/],
    [
      { redirect: 'error', unsafeForwardCredentialsOnRedirect: true },
      /only applies with redirect: 'follow'/,
    ],
  ])('%j is a TypeError', async (options, message) => {
    let fetched = false
    const fetch: SseFetch = () => {
      fetched = true
      return Promise.reject(new Error('not reached'))
    }
    const call = sseRequest({ url: 'http://api.test/', fetch, ...options } as never)
    await expect(call).rejects.toThrow(TypeError)
    await expect(call).rejects.toThrow(message)
    expect(fetched).toBe(false)
  })
})
