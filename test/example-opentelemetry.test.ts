import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { readEvents } from '@ssekit/test-helpers/read-events'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { startNode, type NodeProcess } from './helpers/node-process.js'

const script = fileURLToPath(new URL('../examples/opentelemetry/server.mjs', import.meta.url))
const TOKEN = 'tok-5d1e'

interface PrintedSpan {
  readonly name: string
  readonly attributes: Record<string, unknown>
  readonly status: { readonly code: number; readonly message?: string }
  readonly events: readonly Record<string, unknown>[]
}

describe('examples/opentelemetry', () => {
  let server: NodeProcess | undefined
  let upstream: Upstream | undefined
  afterEach(async () => {
    if (server !== undefined) expect(await server.stop()).toBe(0)
    await upstream?.close()
    server = undefined
    upstream = undefined
  })

  async function start(env: Record<string, string> = {}): Promise<string> {
    server = startNode(script, { PORT: '0', UPSTREAM_TOKEN: TOKEN, ...env })
    return (await server.until(/Listening on (http:\S+)/))[1]!
  }

  async function printedSpan(): Promise<PrintedSpan> {
    return JSON.parse((await server!.until(/^span (\{.*\})$/m))[1]!) as PrintedSpan
  }

  it('prints a span per upstream call, with its responses and its reconnection', async () => {
    const answer = await start()
    const reader = readEvents((await fetch(answer)).body!)
    for (const [id, word] of ['Spans', 'from', 'diagnostics', 'channels.'].entries()) {
      expect(await reader.event(id)).toEqual({ event: 'token', id: String(id), data: word })
    }
    await reader.ended
    const span = await printedSpan()
    expect(span).toMatchObject({
      name: 'SSE GET',
      attributes: { 'http.request.method': 'GET' },
      status: { code: 0 },
      events: [
        { name: 'response', 'http.response.status_code': 200, reconnects: 0 },
        { name: 'reconnect', attempt: 1, reason: 'network' },
        { name: 'response', 'http.response.status_code': 200, reconnects: 1 },
      ],
    })
    expect(JSON.stringify(span)).not.toContain(TOKEN)
  })

  it('marks the span of a refused call as an error, without the credentials', async () => {
    upstream = await startUpstream((call) => {
      call.open(401, { 'content-type': 'application/json' })
      call.end('{"error":"expired"}')
    })
    const answer = await start({ UPSTREAM_URL: `${upstream.url}/v1?api_key=${TOKEN}` })
    const reader = readEvents((await fetch(answer)).body!)
    expect(await reader.event(0)).toMatchObject({ event: 'error' })
    const span = await printedSpan()
    expect(span.status.code).toBe(2)
    expect(span.status.message).toMatch(/401/)
    expect(span.events).toEqual([
      { name: 'response', 'http.response.status_code': 401, reconnects: 0 },
      expect.objectContaining({ name: 'exception' }),
    ])
    expect(JSON.stringify(span)).not.toContain(TOKEN)
    expect((await upstream.call(0)).headers.authorization).toBe(`Bearer ${TOKEN}`)
  })
})
