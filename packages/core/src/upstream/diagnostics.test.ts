import diagnostics from 'node:diagnostics_channel'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { upstreamPerTest } from '@ssekit/test-helpers/upstream'
import type {
  SseUpstreamReconnectMessage,
  SseUpstreamResponseMessage,
  SseUpstreamTraceContext,
} from './diagnostics.js'
import { sseRequest } from './request.js'

type Context = SseUpstreamTraceContext & { result?: unknown; error?: unknown }

describe('upstream diagnostics', () => {
  const serve = upstreamPerTest()
  const records: { name: string; context: Context; detail?: unknown }[] = []
  const tracing = diagnostics.tracingChannel('ssekit:upstream')
  const record =
    (name: string) =>
    (context: unknown): void => {
      records.push({ name, context: context as Context })
    }
  const handlers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  }
  const onResponse = (message: unknown): void => {
    const { context, status, reconnects } = message as SseUpstreamResponseMessage
    records.push({ name: 'response', context, detail: { status, reconnects } })
  }
  const onReconnect = (message: unknown): void => {
    const { context, attempt, reason } = message as SseUpstreamReconnectMessage
    records.push({ name: 'reconnect', context, detail: { attempt, reason } })
  }
  beforeEach(() => {
    tracing.subscribe(handlers)
    diagnostics.subscribe('ssekit:upstream:response', onResponse)
    diagnostics.subscribe('ssekit:upstream:reconnect', onReconnect)
  })
  afterEach(() => {
    tracing.unsubscribe(handlers)
    diagnostics.unsubscribe('ssekit:upstream:response', onResponse)
    diagnostics.unsubscribe('ssekit:upstream:reconnect', onReconnect)
    records.length = 0
  })

  it('traces a call across a reconnection, with one context and no credentials', async () => {
    const upstream = await serve(async (call) => {
      const index = upstream.calls.indexOf(call)
      if (index === 0) {
        await call.send({ id: '1', data: 'before the drop' })
        call.destroy()
      } else if (index === 1) {
        await call.send({ id: '2', data: 'after' })
        call.end()
      } else {
        call.open(204, {})
        call.end()
      }
    })
    const url = upstream.url.replace('http://', 'http://user:secret@')
    const result = await sseRequest({ url, reconnect: { initialDelay: 10 } })
    // A reset may overtake the first event; the second connection's arrives.
    expect(result.events.map((event) => event.data)).toContain('after')

    expect(
      records.map(({ name, detail }) => (detail === undefined ? name : { name, detail }))
    ).toEqual([
      'start',
      'end',
      { name: 'response', detail: { status: 200, reconnects: 0 } },
      { name: 'reconnect', detail: { attempt: 1, reason: 'network' } },
      { name: 'response', detail: { status: 200, reconnects: 1 } },
      { name: 'reconnect', detail: { attempt: 1, reason: 'end' } },
      { name: 'response', detail: { status: 204, reconnects: 2 } },
      'asyncStart',
      'asyncEnd',
    ])
    const context = records[0]!.context
    for (const each of records) expect(each.context).toBe(context)
    expect(context).toMatchObject({ method: 'GET', url: `${upstream.url}/` })
    expect(JSON.stringify(context)).not.toContain('secret')
    expect(context.result).toBe(result)
  })

  it('publishes the error of a failed call', async () => {
    const upstream = await serve((call) => {
      call.open(500, { 'content-type': 'text/plain' })
      call.end('down')
    })
    const failing = sseRequest({ url: upstream.url })
    await expect(failing).rejects.toThrow()
    const names = records.map(({ name }) => name)
    expect(names).toEqual(['start', 'end', 'response', 'error', 'asyncStart', 'asyncEnd'])
    expect(records[3]!.context.error).toBe(await failing.catch((error: unknown) => error))
  })

  it('publishes nothing and creates no context when nobody listens', async () => {
    tracing.unsubscribe(handlers)
    diagnostics.unsubscribe('ssekit:upstream:response', onResponse)
    diagnostics.unsubscribe('ssekit:upstream:reconnect', onReconnect)
    expect(tracing.hasSubscribers).toBe(false)
    const upstream = await serve(async (call) => {
      await call.send({ data: 'x' })
      call.end()
    })
    await sseRequest({ url: upstream.url, reconnect: false })
    expect(records).toEqual([])
  })
})
