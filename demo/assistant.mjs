// The assistant: each prompt becomes a run, whose answer the browser reads with EventSource.
// The server calls the LLM with a bearer token of its own and relays the answer through
// `stream.request({ forward: true })`; it keeps a record of each run (how it ended, how many
// tokens it relayed, the request's redacted debug log) for the page to show.

/** @typedef {import('@ssekit/express').SseStream} SseStream */
/** @typedef {import('@ssekit/express').UpstreamEvent} UpstreamEvent */
/** @typedef {import('./config.mjs').LlmEndpoint} LlmEndpoint */

/** Runs remembered per server; the oldest are forgotten first. */
const MAX_RUNS = 100

/** Longest prompt accepted, in characters. */
const MAX_PROMPT = 2000

/**
 * `event` debug records kept per run: one arrives per upstream chunk, so a long real answer
 * would otherwise fill the log; the records of the request's life (request, response, abort,
 * end) are always kept.
 */
const MAX_EVENT_RECORDS = 40

/**
 * @typedef {'pending' | 'streaming' | 'completed' | 'stopped' | 'failed'} RunState
 *
 * @typedef {object} Run
 * @property {number} id
 * @property {string} prompt
 * @property {RunState} state
 * @property {number} relayed Tokens relayed to the browser.
 * @property {number | undefined} startedAt `Date.now()` when the browser opened the stream.
 * @property {number | undefined} browserLeftMs Milliseconds into the run when the browser left.
 * @property {number | undefined} upstreamClosedMs Milliseconds into the run when the upstream
 * request was over and its connection closed.
 * @property {string | undefined} error Why the run failed.
 * @property {{ message: string, details?: Record<string, unknown> }[]} log
 * @property {number} omittedEventRecords
 */

/**
 * @typedef {object} Assistant
 * @property {(prompt: unknown) => { run: Run } | { error: string }} start Records a new run.
 * @property {(id: string) => ((stream: SseStream) => Promise<void>) | undefined} open Claims
 * run `id` for streaming; `undefined` when there is no such run or it was already streamed,
 * which the browser is told with 204 so that its EventSource stops reconnecting.
 * @property {(id: string) => Run | undefined} find
 */

/**
 * @param {LlmEndpoint} llm The upstream API.
 * @returns {Assistant}
 */
export function createAssistant(llm) {
  /** @type {Map<number, Run>} */
  const runs = new Map()
  let created = 0

  return {
    start(prompt) {
      if (typeof prompt !== 'string' || prompt.trim() === '') {
        return { error: 'Send a JSON body with a non-empty "prompt".' }
      }
      if (prompt.length > MAX_PROMPT) {
        return { error: `The prompt is longer than ${MAX_PROMPT} characters.` }
      }
      /** @type {Run} */
      const run = {
        id: ++created,
        prompt: prompt.trim(),
        state: 'pending',
        relayed: 0,
        startedAt: undefined,
        browserLeftMs: undefined,
        upstreamClosedMs: undefined,
        error: undefined,
        log: [],
        omittedEventRecords: 0,
      }
      runs.set(run.id, run)
      if (runs.size > MAX_RUNS) runs.delete(/** @type {number} */ (runs.keys().next().value))
      return { run }
    },

    open(id) {
      const run = runs.get(Number(id))
      if (run?.state !== 'pending') return undefined
      // Claimed now, before any await: a second request for the same run gets nothing.
      run.state = 'streaming'
      return (stream) => relay(llm, run, stream)
    },

    find: (id) => runs.get(Number(id)),
  }
}

/**
 * Calls the LLM for one run and relays its tokens into the browser's stream.
 *
 * @param {LlmEndpoint} llm
 * @param {Run} run
 * @param {SseStream} stream
 */
async function relay(llm, run, stream) {
  const startedAt = Date.now()
  run.startedAt = startedAt
  const elapsed = () => Date.now() - startedAt
  let eventRecords = 0
  // The signal also aborts when the stream is closed below, after the state has changed.
  stream.signal.addEventListener(
    'abort',
    () => {
      if (run.state === 'streaming') run.browserLeftMs = elapsed()
    },
    { once: true }
  )
  try {
    const { events, clientDisconnected } = await stream.request({
      url: llm.url,
      method: 'POST',
      headers: llm.apiKey === undefined ? {} : { Authorization: `Bearer ${llm.apiKey}` },
      body: { model: llm.model, stream: true, messages: [{ role: 'user', content: run.prompt }] },
      forward: true,
      transform: toToken,
      // Records arrive with credentials already redacted by ssekit.
      debug: (message, details) => {
        if (message === 'event' && ++eventRecords > MAX_EVENT_RECORDS) {
          run.omittedEventRecords++
        } else {
          run.log.push({ message, details })
        }
      },
      // A real model may think for a while before its first token and between two.
      timeout: 30_000,
      idleTimeout: 60_000,
    })
    run.upstreamClosedMs = elapsed()
    run.relayed = events.length
    run.state = clientDisconnected ? 'stopped' : 'completed'
    if (!clientDisconnected) await stream.send({ event: 'done', data: { relayed: run.relayed } })
  } catch (error) {
    run.upstreamClosedMs = elapsed()
    run.state = 'failed'
    run.error = error instanceof Error ? error.message : String(error)
    await stream.send({ event: 'failed', data: { message: run.error } })
  } finally {
    stream.close()
  }
}

/**
 * Turns an OpenAI-style chunk into a `token` event carrying just the text, so the page needs
 * no knowledge of the upstream's format. Chunks without text (the role, the finish reason,
 * `[DONE]`, usage reports) are dropped: the server ends the stream with its own `done`.
 *
 * @param {UpstreamEvent} event
 * @returns {UpstreamEvent | null}
 */
function toToken(event) {
  if (event.data === '[DONE]') return null
  let chunk
  try {
    chunk = JSON.parse(event.data)
  } catch {
    return null
  }
  const content = chunk?.choices?.[0]?.delta?.content
  return typeof content === 'string' && content !== '' ? { event: 'token', data: content } : null
}
