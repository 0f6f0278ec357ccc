import { EventSource } from 'eventsource'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNode, type NodeProcess } from './helpers/node-process.js'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'

const demoScript = fileURLToPath(new URL('../demo/server.mjs', import.meta.url))

const API_KEY = 'sk-test-4f9c2e7a1b'
const TOKENS = ['Hel', 'lo', ' from', ' the', ' endpoint']

/** What a browser's EventSource reads from a run's stream until the server's last event. */
async function readRun(url: string): Promise<{ tokens: string[]; last: MessageEvent }> {
  const source = new EventSource(url)
  const tokens: string[] = []
  try {
    return await new Promise((resolve, reject) => {
      source.addEventListener('token', (event) => tokens.push(event.data))
      for (const type of ['done', 'failed']) {
        source.addEventListener(type, (event) => resolve({ tokens, last: event }))
      }
      source.addEventListener('error', (event) =>
        reject(new Error(`EventSource: ${event.message}`))
      )
    })
  } finally {
    source.close()
  }
}

/** Asks the demo's assistant `prompt`: the page's first request. */
async function startRun(base: string, prompt: string): Promise<number> {
  const response = await fetch(`${base}api/assistant`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt }),
  })
  expect(response.status).toBe(201)
  return ((await response.json()) as { id: number }).id
}

describe('the demo with DEMO_LLM_* pointing at an OpenAI-compatible endpoint', () => {
  let upstream: Upstream
  let demo: NodeProcess
  const urls = new Map<string, string>()

  beforeAll(async () => {
    upstream = await startUpstream(async (call) => {
      const { messages } = JSON.parse(call.text) as { messages: { content: string }[] }
      if (messages[0]?.content === 'refuse') {
        call.open(401, { 'content-type': 'application/json' })
        call.end('{"error":{"message":"Incorrect API key provided."}}')
        return
      }
      await call.send({ data: JSON.stringify({ choices: [{ delta: { role: 'assistant' } }] }) })
      for (const content of TOKENS) {
        await call.send({ data: JSON.stringify({ choices: [{ index: 0, delta: { content } }] }) })
      }
      await call.send({ data: JSON.stringify({ choices: [{ delta: {}, finish_reason: 'stop' }] }) })
      await call.send({ data: '[DONE]' })
      call.end()
    })
    demo = startNode(demoScript, {
      DEMO_PORT: '0',
      DEMO_HOST: '',
      DEMO_LLM_BASE_URL: `${upstream.url}/v1/`,
      DEMO_LLM_API_KEY: API_KEY,
      DEMO_LLM_MODEL: 'test-model',
    })
    await demo.until(/Press Ctrl\+C/)
    for (const [, name, url] of demo.output().matchAll(/^ +(Express|Koa|Hono) +(http:\S+)$/gm)) {
      urls.set(name!, url!)
    }
  })

  afterAll(async () => {
    expect(await demo.stop()).toBe(0)
    await upstream.close()
  })

  it('names the endpoint and model, never the key', () => {
    expect(demo.output()).toContain(`Assistant: test-model at ${upstream.url}/v1/chat/completions`)
    expect(demo.output()).not.toContain(API_KEY)
  })

  describe.each(['Express', 'Koa', 'Hono'])('served by %s', (adapter) => {
    it('calls the endpoint with the key and model, and relays each token', async () => {
      const base = urls.get(adapter)!
      const prompt = `Say hello to ${adapter}`
      const calls = upstream.calls.length
      const id = await startRun(base, prompt)

      const { tokens, last } = await readRun(`${base}api/assistant/${id}/stream`)
      expect(tokens).toEqual(TOKENS)
      expect(last.type).toBe('done')
      expect(JSON.parse(last.data)).toEqual({ relayed: TOKENS.length })

      const call = await upstream.call(calls)
      expect(call.method).toBe('POST')
      expect(call.path).toBe('/v1/chat/completions')
      expect(call.headers.authorization).toBe(`Bearer ${API_KEY}`)
      expect(JSON.parse(call.text)).toEqual({
        model: 'test-model',
        stream: true,
        messages: [{ role: 'user', content: prompt }],
      })

      const record = await (await fetch(`${base}api/assistant/${id}`)).text()
      expect(JSON.parse(record)).toMatchObject({ state: 'completed', relayed: TOKENS.length })
      expect(record).toContain('"authorization":"[redacted]"')
      expect(record).not.toContain(API_KEY)
      // A run streams once: a reconnecting EventSource is told to stop.
      expect((await fetch(`${base}api/assistant/${id}/stream`)).status).toBe(204)
    })

    it('reports a refused request in the stream and in its record', async () => {
      const base = urls.get(adapter)!
      const id = await startRun(base, 'refuse')
      const { tokens, last } = await readRun(`${base}api/assistant/${id}/stream`)
      expect(tokens).toEqual([])
      expect(last.type).toBe('failed')
      expect(JSON.parse(last.data)).toEqual({ message: expect.stringMatching(/status 401/) })
      const record = (await (await fetch(`${base}api/assistant/${id}`)).json()) as object
      expect(record).toMatchObject({ state: 'failed', error: expect.stringMatching(/status 401/) })
    })
  })
})
