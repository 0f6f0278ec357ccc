import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { latch } from '@ssekit/test-helpers/latch'
import { readEvents, type EventReader } from '@ssekit/test-helpers/read-events'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { runtimes, type RunningApp } from './runtimes.js'

// What the app sends as one multi-line `data` (fixtures/app.mjs): every line break the spec
// allows, each a line of its own on the wire.
const MULTI_LINE = 'line one\nline two\r\nline three\rline four'

describe.each(runtimes)('Hono on $name', (runtime) => {
  let app: RunningApp
  const readers: EventReader[] = []
  const upstreams: Upstream[] = []

  beforeAll(async () => {
    app = await runtime.start()
  })

  afterEach(async () => {
    await Promise.all(readers.splice(0).map((reader) => reader.cancel()))
    await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()))
  })

  afterAll(async () => {
    await app.stop()
  })

  async function open(path: string, headers?: Record<string, string>): Promise<EventReader> {
    const response = await fetch(`${app.url}${path}`, { headers })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const reader = readEvents(response.body!)
    readers.push(reader)
    return reader
  }

  async function upstream(handler: Parameters<typeof startUpstream>[0]): Promise<Upstream> {
    const started = await startUpstream(handler)
    upstreams.push(started)
    return started
  }

  it('delivers events with their types, ids and multi-line data intact', async () => {
    const reader = await open('/events')
    await reader.ended
    expect(reader.events).toEqual([
      { event: 'greeting', id: '1', data: 'hello' },
      { event: undefined, id: '2', data: 'line one\nline two\nline three\nline four' },
      { event: 'json', id: '3', data: JSON.stringify({ runtime: runtime.name }) },
    ])
    expect(reader.raw()).toContain(
      `id: 2\n${MULTI_LINE.split(/\r\n|\r|\n/)
        .map((line) => `data: ${line}\n`)
        .join('')}\n`
    )
  })

  // Where the runtime notices a client leaving only on a write, heartbeats make that write.
  const { leavingNoticedOnWrite, relayBoundToRequest } = runtime.limits
  const heartbeat = leavingNoticedOnWrite === undefined ? 0 : 50
  const onWrite =
    leavingNoticedOnWrite === undefined ? '' : ` (at its next write: ${leavingNoticedOnWrite})`

  it(`aborts stream.signal when the client leaves${onWrite}`, async () => {
    const reader = await open(`/hold/leaving?heartbeat=${heartbeat}`)
    expect((await reader.event(0)).data).toBe('leaving')
    await reader.cancel()
    await app.process.until(/aborted leaving/)
  })

  it('sends heartbeats on a quiet stream', async () => {
    const reader = await open('/quiet')
    await reader.comment(3)
    expect(reader.events).toEqual([])
    expect(reader.raw()).toMatch(/^(:\n\n){3,}$/)
  })

  it('forwards an upstream served on the host with c.var.sse.request', async () => {
    const host = await upstream(async (call) => {
      await call.send({ event: 'token', id: 'u1', data: 'Hel' })
      await call.send({ event: 'token', id: 'u2', data: 'lo\nworld' })
      call.end()
    })
    const reader = await open(`/forward?upstream=${encodeURIComponent(host.url)}`)
    await reader.ended
    expect(reader.events).toEqual([
      { event: 'token', id: 'u1', data: 'Hel' },
      { event: 'token', id: 'u2', data: 'lo\nworld' },
    ])
    expect((await host.call(0)).headers['x-runtime']).toBe(runtime.name)
  })

  it(`closes the forwarded upstream connection when the client leaves${onWrite}`, async () => {
    const host = await upstream(async (call) => {
      await call.send({ data: 'first' })
    })
    const reader = await open(
      `/forward?heartbeat=${heartbeat}&upstream=${encodeURIComponent(host.url)}`
    )
    await reader.event(0)
    await reader.cancel()
    await (
      await host.call(0)
    ).closed
  })

  it('forwards from inside a stream with stream.request, then goes on', async () => {
    const host = await upstream(async (call) => {
      await call.send({ data: 'a' })
      await call.send({ data: 'b' })
      call.end()
    })
    const reader = await open(`/forward-in-stream?upstream=${encodeURIComponent(host.url)}`)
    await reader.ended
    expect(reader.events.map(({ event, data }) => [event, data])).toEqual([
      [undefined, 'a'],
      [undefined, 'b'],
      ['collected', '2'],
    ])
  })

  function relayedUpstream(): Promise<Upstream> & { second: () => void } {
    const second = latch()
    return Object.assign(
      upstream(async (call) => {
        await call.send({ data: 'first' })
        await second.promise
        await call.send({ data: 'second' })
        call.end()
      }),
      { second: second.open }
    )
  }

  it('runs a relay on the in-process hub and follows it in the same request', async () => {
    const relayed = relayedUpstream()
    const host = await relayed
    const reader = await open(`/relay-here?upstream=${encodeURIComponent(host.url)}`)
    expect(await reader.event(0)).toMatchObject({ id: '1', data: 'first' })
    relayed.second()
    await reader.ended
    expect(reader.events.map(({ event, data }) => [event, data])).toEqual([
      [undefined, 'first'],
      [undefined, 'second'],
      ['end', '{"status":"done"}'],
    ])
  })

  async function startRelay(host: Upstream): Promise<string> {
    const started = await fetch(`${app.url}/relays?upstream=${encodeURIComponent(host.url)}`, {
      method: 'POST',
    })
    expect(started.status).toBe(201)
    return ((await started.json()) as { id: string }).id
  }

  if (relayBoundToRequest !== undefined) {
    it(`cannot follow a relay from another request: ${relayBoundToRequest}`, async () => {
      const host = await relayedUpstream()
      const id = await startRelay(host)
      const reader = await open(`/relays/${id}`)
      await reader.ended
      expect(reader.events).toEqual([])
      expect(app.process.output()).toMatch(
        /canceled this request because it detected that your Worker's code had hung/
      )
    })
    return
  }

  it('relays an upstream through the in-process hub to other requests, live and resumed', async () => {
    const relayed = relayedUpstream()
    const id = await startRelay(await relayed)
    const second = { open: relayed.second }

    const live = await open(`/relays/${id}`)
    expect(await live.event(0)).toMatchObject({ id: '1', data: 'first' })
    second.open()
    expect(await live.event(1)).toMatchObject({ id: '2', data: 'second' })
    expect(await live.event(2)).toMatchObject({ event: 'end', data: '{"status":"done"}' })

    const resumed = await open(`/relays/${id}`, { 'Last-Event-ID': '1' })
    await resumed.ended
    expect(resumed.events.map(({ event, data }) => [event, data])).toEqual([
      [undefined, 'second'],
      ['end', '{"status":"done"}'],
    ])
  })
})
