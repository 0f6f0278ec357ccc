import { getEventListeners } from 'node:events'
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { sleep } from '@ssekit/test-helpers/listen'
import {
  socketCloseDelay,
  upstreamPerTest,
  type UpstreamHandler,
} from '@ssekit/test-helpers/upstream'
import { SseTimeoutError, SseUpstreamError } from './errors.js'
import { sseEvents } from './iterate.js'
import type { UpstreamEvent } from '../event/upstream-event.js'

const serve = upstreamPerTest()

/** Sends events `0`, `1`, `2`… every 10 ms until the connection closes. */
const endless: UpstreamHandler = async (call) => {
  for (let i = 0; await call.send({ id: String(i), data: `${i}` }); i++) await sleep(10)
}

describe('sseEvents', () => {
  it('yields each event as it arrives, then ends with the upstream', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const { url } = await serve(async (call) => {
      await call.send({ event: 'first', data: 'a' })
      await gate
      await call.write(':keep-alive\n\nretry: 10\n\n')
      await call.send({ id: 'x', data: 'b\nc' })
      call.end()
    })
    const seen: UpstreamEvent[] = []
    for await (const event of sseEvents({ url })) {
      seen.push(event)
      // The second event is only sent once the first was seen: iteration is live.
      if (seen.length === 1) release()
    }
    expect(seen).toEqual([
      { event: 'first', data: 'a' },
      { id: 'x', data: 'b\nc' },
    ])
  })

  it('sends nothing until the first next()', async () => {
    const { url, calls } = await serve(endless)
    const events = sseEvents({ url })
    await sleep(50)
    expect(calls).toHaveLength(0)
    expect((await events.next()).value).toEqual({ id: '0', data: '0' })
    await events.return?.()
  })

  it('closes the upstream socket within a second of a break', async () => {
    const { url, call } = await serve(endless)
    let since = 0
    for await (const event of sseEvents({ url })) {
      if (event.id === '2') {
        since = performance.now()
        break
      }
    }
    const received = await call(0)
    expect(await socketCloseDelay(received, since)).toBeLessThan(1000)
    expect(received.written).toBeLessThan(1000)
  })

  it('closes the upstream socket when return() is called while waiting for headers', async () => {
    const { url, call } = await serve((call) => call.closed)
    const events = sseEvents({ url })
    const pending = events.next()
    const received = await call(0)
    const since = performance.now()
    expect(await events.return?.()).toEqual({ done: true, value: undefined })
    expect(await pending).toEqual({ done: true, value: undefined })
    expect(await socketCloseDelay(received, since)).toBeLessThan(1000)
    expect(await events.next()).toEqual({ done: true, value: undefined })
  })

  it('throws the signal reason and closes the upstream socket when the signal aborts', async () => {
    const { url, call } = await serve(endless)
    const abort = new AbortController()
    const reason = new Error('stop')
    const seen: string[] = []
    let since = 0
    const iterate = async (): Promise<void> => {
      for await (const event of sseEvents({ url, signal: abort.signal })) {
        seen.push(event.data)
        if (seen.length === 2) {
          since = performance.now()
          abort.abort(reason)
        }
      }
    }
    await expect(iterate()).rejects.toBe(reason)
    expect(seen).toEqual(['0', '1'])
    expect(await socketCloseDelay(await call(0), since)).toBeLessThan(1000)
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0)
  })

  it('throws upstream errors and timeouts from the iteration', async () => {
    const { url } = await serve(async (call) => {
      if (call.path === '/gone') {
        call.open(404, { 'content-type': 'text/plain' })
        call.end('no such stream')
        return
      }
      await call.send({ data: 'then silence' })
      await call.closed
    })
    const missing = sseEvents({ url: `${url}/gone` })
    await expect(missing.next()).rejects.toBeInstanceOf(SseUpstreamError)
    expect(await missing.next()).toEqual({ done: true, value: undefined })

    const seen: string[] = []
    const iterate = async (): Promise<void> => {
      for await (const event of sseEvents({ url, idleTimeout: 100 })) seen.push(event.data)
    }
    const error = await iterate().catch((error: unknown) => error)
    expect(error).toBeInstanceOf(SseTimeoutError)
    expect(error).toMatchObject({ phase: 'idle', events: [] })
    expect(seen).toEqual(['then silence'])
  })

  it('serves concurrent next() calls in order', async () => {
    const { url } = await serve(async (call) => {
      for (let i = 0; i < 3; i++) await call.send({ data: `${i}` })
      call.end()
    })
    const events = sseEvents({ url })
    const results = await Promise.all([events.next(), events.next(), events.next(), events.next()])
    expect(results.map((result) => (result.done === true ? undefined : result.value.data))).toEqual(
      ['0', '1', '2', undefined]
    )
  })

  it('throws a TypeError at the call for invalid options', () => {
    expect(() => sseEvents({ url: 'not a url' })).toThrow(TypeError)
    expect(() => sseEvents({ url: 'http://x.test/', forward: true })).toThrow(/stream\.request/)
  })
})
