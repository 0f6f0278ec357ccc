// The assistant's default upstream: a stand-in for an OpenAI-compatible chat completions API,
// started by the demo itself so it needs no account. Like the real thing it wants a bearer
// token, streams `data:` chunks carrying `choices[0].delta.content` at a model's pace, and
// ends with `data: [DONE]`. It is a foreign server as far as ssekit is concerned, so it writes
// its frames by hand.
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

/** The model name the simulated API reports. */
const MODEL = 'ssekit-simulated-1'

/** The largest request body read, in bytes. */
const MAX_BODY_BYTES = 64 * 1024

/**
 * @typedef {object} SimulatedLlm
 * @property {string} url The chat completions URL.
 * @property {string} apiKey The bearer token it accepts, made up at start.
 * @property {string} model
 * @property {() => Promise<void>} close Stops the server and drops open connections.
 */

/**
 * Starts the simulated API on a free port.
 *
 * @param {object} options
 * @param {string} options.host The interface to listen on.
 * @param {(line: string) => void} options.log Receives one line per answered request.
 * @returns {Promise<SimulatedLlm>}
 */
export async function startSimulatedLlm({ host, log }) {
  const apiKey = `sk-demo-${randomBytes(18).toString('base64url')}`
  let requests = 0
  const server = http.createServer((req, res) => {
    answer(req, res, { apiKey, number: ++requests, log }).catch((error) => {
      res.destroy()
      log(`simulated LLM: request failed: ${String(error)}`)
    })
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve(undefined))
  })
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1/chat/completions`,
    apiKey,
    model: MODEL,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 * @param {{ apiKey: string, number: number, log: (line: string) => void }} context
 */
async function answer(req, res, { apiKey, number, log }) {
  if (
    req.method !== 'POST' ||
    new URL(req.url ?? '/', 'http://x').pathname !== '/v1/chat/completions'
  ) {
    return fail(res, 404, 'Only POST /v1/chat/completions is simulated.')
  }
  if (req.headers.authorization !== `Bearer ${apiKey}`) {
    return fail(res, 401, 'Incorrect API key provided.')
  }
  const request = await readJson(req)
  const prompt = lastUserMessage(request)
  if (request?.stream !== true || prompt === undefined) {
    return fail(res, 400, 'Send "stream": true and at least one user message.')
  }

  const chunks = composeChunks(prompt)
  let sent = 0
  let finished = false
  res.on('close', () => {
    // The connection closed before the last chunk: whoever called us went away.
    if (!finished)
      log(
        `simulated LLM: request ${number} closed by its client after ${sent} of ${chunks.length} chunks`
      )
  })
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
  res.flushHeaders()
  // A model thinks a little before its first token, then streams at a reader's pace.
  await sleep(250)
  for (const chunk of chunks) {
    if (res.destroyed) return
    res.write(`data: ${chunk}\n\n`)
    sent++
    await sleep(15 + Math.random() * 40)
  }
  finished = true
  res.end()
  log(`simulated LLM: request ${number} answered in ${chunks.length} chunks`)
}

/**
 * The wire form of an answer: a role chunk, one chunk per token, a finish chunk and `[DONE]`,
 * as OpenAI's streaming chat completions send them.
 *
 * @param {string} prompt
 * @returns {string[]}
 */
function composeChunks(prompt) {
  const id = `chatcmpl-${randomBytes(9).toString('base64url')}`
  const created = Math.floor(Date.now() / 1000)
  /** @param {object} delta @param {string | null} finishReason */
  const chunk = (delta, finishReason = null) =>
    JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: MODEL,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    })
  // Each word with the space before it: roughly how tokenizers cut English text.
  const tokens = composeAnswer(prompt).match(/\s*\S+/g) ?? []
  return [
    chunk({ role: 'assistant', content: '' }),
    ...tokens.map((content) => chunk({ content })),
    chunk({}, 'stop'),
    '[DONE]',
  ]
}

/** @param {string} prompt */
function composeAnswer(prompt) {
  const quoted = prompt.length > 80 ? `${prompt.slice(0, 77)}…` : prompt
  return (
    `You asked: “${quoted}” I am the demo's simulated model, so I cannot really answer, ` +
    'but I can show you how an answer travels. The demo server called me with a bearer ' +
    'token that your browser never sees, and ssekit relays every chunk I stream to your ' +
    'page the moment it arrives, one event per token, waiting for your browser whenever it ' +
    'reads more slowly than I write. Press Stop while I am still talking: your browser ' +
    'closes its EventSource, the server notices at once, and ssekit closes its connection ' +
    'to me, so nobody pays for tokens that no one will read. The debug panel then shows the ' +
    "request's life as ssekit logged it, with my token redacted."
  )
}

/**
 * @param {http.IncomingMessage} req
 * @returns {Promise<any>} The parsed body, or `undefined` when it is not JSON.
 */
async function readJson(req) {
  let text = ''
  for await (const chunk of req) {
    text += String(chunk)
    if (text.length > MAX_BODY_BYTES) return undefined
  }
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * @param {any} request
 * @returns {string | undefined}
 */
function lastUserMessage(request) {
  const messages = Array.isArray(request?.messages) ? request.messages : []
  const content = messages.findLast((message) => message?.role === 'user')?.content
  return typeof content === 'string' ? content : undefined
}

/**
 * Answers with an error in OpenAI's shape.
 *
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {string} message
 */
function fail(res, status, message) {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }))
}
