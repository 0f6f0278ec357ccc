import { EventSource } from 'eventsource'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNode, type NodeProcess } from './helpers/node-process.js'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'

const demoScript = fileURLToPath(new URL('../demo/server.mjs', import.meta.url))

const API_KEY = 'sk-test-4f9c2e7a1b'
const TOKENS = ['Hel', 'lo', ' from', ' the', ' endpoint']

/** What a browser's EventSource reads from a run's stream until the relay's `end` event. */
async function readRun(url: string): Promise<{ tokens: string[]; last: MessageEvent }> {
  const source = new EventSource(url)
  const tokens: string[] = []
  try {
    return await new Promise((resolve, reject) => {
      source.addEventListener('token', (event) => tokens.push(event.data))
      source.addEventListener('end', (event) => resolve({ tokens, last: event }))
      source.addEventListener('error', (event) =>
        reject(new Error(`EventSource: ${event.message}`))
      )
    })
  } finally {
    source.close()
  }
}

/** Asks the demo's assistant `prompt`: the page's first request. */
function ask(base: string, prompt: string): Promise<Response> {
  return fetch(`${base}api/assistant`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt }),
  })
}

/** Starts a run: its relay's id. */
async function startRun(base: string, prompt: string): Promise<string> {
  const response = await ask(base, prompt)
  expect(response.status).toBe(201)
  return ((await response.json()) as { id: string }).id
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
      expect(JSON.parse(last.data)).toEqual({ status: 'done' })

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
      // An EventSource that has every token of the finished answer is told to stop.
      const lastId = { 'Last-Event-ID': String(TOKENS.length) }
      expect((await fetch(`${base}api/assistant/${id}/stream`, { headers: lastId })).status).toBe(
        204
      )
    })

    it('answers a refused request with 502 and the reason, never the key', async () => {
      const base = urls.get(adapter)!
      const response = await ask(base, 'refuse')
      expect(response.status).toBe(502)
      const text = await response.text()
      expect(JSON.parse(text)).toEqual({ error: expect.stringMatching(/status 401/) })
      expect(text).not.toContain(API_KEY)
    })
  })
})
