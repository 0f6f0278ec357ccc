import { afterEach, describe, expect, it } from 'vitest'
import type { SseStream } from '@ssekit/core'
import { waitFor } from '@ssekit/test-helpers/listen'
import { readEvents } from '@ssekit/test-helpers/read-events'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { adapterApps, type AdapterApp, type App } from './helpers/apps.js'

const SECRET = 'SECRET-7f3a'

interface LogRecord {
  readonly message: string
  readonly details: Record<string, unknown>
}

describe.each(adapterApps)('stream debug logs on $name', (adapter: AdapterApp) => {
  let app: App | undefined
  let upstream: Upstream | undefined
  afterEach(async () => {
    await app?.close()
    await upstream?.close()
    app = undefined
    upstream = undefined
  })

  it('logs open, send, refusal and end through the middleware, with no credential or data', async () => {
    const records: LogRecord[] = []
    const open: SseStream[] = []
    app = await adapter.serve(
      async (stream) => {
        if (stream.clientDisconnected) return
        open.push(stream)
        await stream.send({ event: 'token', id: SECRET, data: SECRET })
        // Holds the stream open until the client leaves.
        await new Promise((resolve) => stream.signal.addEventListener('abort', resolve))
      },
      {
        options: {
          maxStreams: 1,
          heartbeat: 0,
          headers: { 'X-Auth-Token': SECRET },
          debug: (message, details = {}) => records.push({ message, details }),
        },
      }
    )
    const leave = new AbortController()
    const response = await fetch(`${app.events}?token=${SECRET}`, {
      headers: { Authorization: `Bearer ${SECRET}`, Cookie: `sid=${SECRET}` },
      signal: leave.signal,
    })
    const reader = readEvents(response.body!)
    expect((await reader.event(0)).data).toBe(SECRET)

    const refused = await fetch(app.events, { headers: { Authorization: `Bearer ${SECRET}` } })
    expect(refused.status).toBe(503)
    await refused.text()

    leave.abort()
    await reader.ended
    await waitFor(() => records.some((record) => record.details.reason === 'client-left'))

    const admitted = records[0]!.details.stream
    const lines = records.map(({ message, details }) => ({
      message,
      stream: details.stream === admitted ? 'admitted' : 'refused',
      reason: details.reason,
    }))
    expect(lines).toEqual([
      { message: 'stream-open', stream: 'admitted', reason: undefined },
      { message: 'stream-send', stream: 'admitted', reason: undefined },
      { message: 'stream-end', stream: 'refused', reason: 'refused' },
      { message: 'stream-end', stream: 'admitted', reason: 'client-left' },
    ])
    expect(records[0]!.details.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'x-auth-token': '[redacted]',
    })
    expect(records[1]!.details).toMatchObject({ type: 'token', clientLeft: false })
    expect(records[2]!.details).toMatchObject({ reason: 'refused', status: 503 })
    expect(JSON.stringify(records)).not.toContain(SECRET)
    // The log wraps the middleware's own counting; the figures still move.
    expect(app.stats()).toMatchObject({ open: 0, started: 1, refused: 1, eventsSent: 1 })
    expect(open).toHaveLength(1)
  })

  it('logs a forwarded request where its stream logs, unless the request sets debug', async () => {
    upstream = await startUpstream(async (call) => {
      await call.send({ data: SECRET })
      call.end()
    })
    const url = `${upstream.url}/v1?key=${SECRET}`
    const streamRecords: LogRecord[] = []
    const ownRecords: LogRecord[] = []
    app = await adapter.serve(
      async (stream) => {
        await stream.request({ url, headers: { Authorization: SECRET }, forward: true })
        await stream.request({
          url,
          forward: true,
          debug: (message, details = {}) => ownRecords.push({ message, details }),
        })
        stream.close()
      },
      {
        options: {
          heartbeat: 0,
          debug: (message, details = {}) => streamRecords.push({ message, details }),
        },
      }
    )
    const reader = readEvents((await fetch(app.events)).body!)
    expect((await reader.event(1)).data).toBe(SECRET)
    await reader.ended
    const requests = (records: LogRecord[]): unknown[] => [
      ...new Set(records.flatMap(({ details }) => details.request ?? [])),
    ]
    expect(requests(streamRecords)).toHaveLength(1)
    expect(streamRecords.map(({ message }) => message)).toContain('response')
    expect(requests(ownRecords)).toHaveLength(1)
    expect(requests(ownRecords)).not.toEqual(requests(streamRecords))
    expect(JSON.stringify([streamRecords, ownRecords])).not.toContain(SECRET)
  })
})
