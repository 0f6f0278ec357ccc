import { afterEach, describe, expect, it } from 'vitest'
import { startUpstream, type Upstream, type UpstreamHandler } from '@ssekit/test-helpers/upstream'
import { SseUpstreamError } from './errors.js'
import { sseEvents } from './iterate.js'
import { sseRequest } from './request.js'

let upstream: Upstream | undefined
afterEach(async () => {
  await upstream?.close()
  upstream = undefined
})

async function serve(handler: UpstreamHandler): Promise<Upstream> {
  upstream = await startUpstream(handler)
  return upstream
}

/**
 * An upstream that accepts each bearer token once (a reused one gets 401) and sends one event
 * per connection, ids `1`, `2`, `3`, ending each; the fourth connection is answered 204, which
 * ends the call.
 */
function tokenOnceUpstream(): UpstreamHandler {
  const used = new Set<string>()
  let connections = 0
  return async (call) => {
    const token = call.headers.authorization ?? ''
    if (used.has(token) || !token.startsWith('Bearer ')) {
      call.open(401, { 'content-type': 'application/json' })
      call.end('{"error":"token already used"}')
      return
    }
    used.add(token)
    const n = ++connections
    if (n > 3) {
      call.open(204, {})
      call.end()
      return
    }
    await call.send({ id: String(n), data: `event ${n}` })
    call.end()
  }
}

const fastReconnect = { initialDelay: 1 }

describe('headers given as a function', () => {
  it('is called before each attempt, so every reconnection sends a fresh token', async () => {
    const { url, calls } = await serve(tokenOnceUpstream())
    let issued = 0
    const logged: string[] = []
    const { events } = await sseRequest({
      url,
      headers: async () => {
        await Promise.resolve()
        return { Authorization: `Bearer token-${++issued}`, 'X-Trace': 'relay' }
      },
      reconnect: fastReconnect,
      debug: (message, details) => logged.push(message + JSON.stringify(details)),
    })
    expect(events.map((event) => event.data)).toEqual(['event 1', 'event 2', 'event 3'])
    expect(issued).toBe(4)
    expect(calls.map((call) => call.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-2',
      'Bearer token-3',
      'Bearer token-4',
    ])
    expect(calls.map((call) => call.headers['last-event-id'])).toEqual([undefined, '1', '2', '3'])
    expect(calls.every((call) => call.headers.accept === 'text/event-stream')).toBe(true)
    expect(calls.every((call) => call.headers['x-trace'] === 'relay')).toBe(true)
    expect(logged.some((line) => line.includes('"authorization":"[redacted]"'))).toBe(true)
    expect(logged.join('\n')).not.toContain('token-')
  })

  it('may be synchronous; a 401 on a reconnection is final', async () => {
    const { url, calls } = await serve(tokenOnceUpstream())
    let called = 0
    const failure = sseRequest({
      url,
      headers: () => {
        called++
        return [['Authorization', 'Bearer the-same-token']]
      },
      reconnect: fastReconnect,
    })
    await expect(failure).rejects.toBeInstanceOf(SseUpstreamError)
    await expect(failure).rejects.toMatchObject({ status: 401, type: 'status' })
    expect(called).toBe(2)
    expect(calls).toHaveLength(2)
    const error: unknown = await failure.catch((reason: unknown) => reason)
    expect((error as SseUpstreamError).message).not.toContain('the-same-token')
  })

  it("sends the Last-Event-ID the function returns until the upstream's own", async () => {
    const { url, calls } = await serve(tokenOnceUpstream())
    let issued = 0
    const events = []
    for await (const event of sseEvents({
      url,
      headers: () => ({ Authorization: `Bearer t${++issued}`, 'Last-Event-ID': 'from-caller' }),
      reconnect: fastReconnect,
    })) {
      events.push(event.id)
    }
    expect(events).toEqual(['1', '2', '3'])
    expect(calls.map((call) => call.headers['last-event-id'])).toEqual([
      'from-caller',
      '1',
      '2',
      '3',
    ])
  })

  it('fails the call, unretried, with what the function throws or an invalid header', async () => {
    const { url, calls } = await serve(tokenOnceUpstream())
    const broken = new Error('token service down')
    await expect(
      sseRequest({
        url,
        headers: () => {
          throw broken
        },
        reconnect: fastReconnect,
      })
    ).rejects.toBe(broken)
    await expect(
      sseRequest({ url, headers: () => Promise.resolve({ 'X-A': 'v\nX-B: w' }) })
    ).rejects.toThrow(/header "X-A"/)
    await expect(sseRequest({ url, headers: () => 'nope' as unknown as Headers })).rejects.toThrow(
      /function in "headers" must return a record/
    )
    expect(calls).toHaveLength(0)
  })

  it('stops waiting for the function when the signal aborts', async () => {
    const { url, calls } = await serve(tokenOnceUpstream())
    const controller = new AbortController()
    const call = sseRequest({
      url,
      signal: controller.signal,
      headers: () => new Promise<Record<string, string>>(() => undefined),
    })
    controller.abort(new Error('stop'))
    await expect(call).rejects.toThrow('stop')
    expect(calls).toHaveLength(0)
  })
})
