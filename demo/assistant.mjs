// The assistant: each prompt becomes a durable relay of the LLM's answer. The server calls the
// LLM with a bearer token of its own; the answer's tokens go into the relay's log, which any
// number of browser tabs attach to, leave, and resume (a reload replays the answer so far,
// then follows it live). Stop ends the relay, which closes the LLM request; a tab closing does
// not. The server keeps a record of each run (how it ended, how many tokens it relayed, the
// request's redacted debug log) for the page to show.
import { createRelayHub, SseTimeoutError, SseUpstreamError } from '@ssekit/express'

/** @typedef {import('@ssekit/express').UpstreamEvent} UpstreamEvent */
/** @typedef {import('@ssekit/express').RelayHub} RelayHub */
/** @typedef {import('./config.mjs').LlmEndpoint} LlmEndpoint */

/** Runs remembered; the oldest are forgotten first. */
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
 * @typedef {'streaming' | 'completed' | 'stopped' | 'failed'} RunState
 *
 * @typedef {object} Run
 * @property {string} id The relay's id.
 * @property {string} prompt
 * @property {RunState} state
 * @property {number} startedAt `Date.now()` when the LLM was called.
 * @property {number} relayed Tokens in the relay's log.
 * @property {number | undefined} stopCalledMs Milliseconds into the run when Stop was called.
 * @property {number | undefined} upstreamClosedMs Milliseconds into the run when the upstream
 * request was over and its connection closed.
 * @property {string | undefined} error Why the run failed.
 * @property {{ message: string, details?: Record<string, unknown> }[]} log
 * @property {number} omittedEventRecords
 */

/**
 * @typedef {object} Assistant
 * @property {RelayHub} hub The relays of the answers, to attach browsers to.
 * @property {(prompt: unknown) => Promise<{ run: Run } | { status: number, error: string }>}
 * start Calls the LLM and starts relaying its answer; a refused prompt or a failed request is
 * an error with the HTTP status to answer.
 * @property {(id: string) => Promise<boolean>} stop Stops run `id`: `false` when it is not
 * running.
 * @property {(id: string) => Run | undefined} find
 * @property {() => Promise<void>} close Stops every running answer, for shutdown.
 */

/**
 * @param {LlmEndpoint} llm The upstream API.
 * @returns {Assistant}
 */
export function createAssistant(llm) {
  /** @type {Map<string, Run>} */
  const runs = new Map()
  // A reload or a network switch has a minute to come back before an answer nobody follows is
  // stopped; a finished answer stays attachable for five.
  const hub = createRelayHub({ orphanTimeout: 60_000, retention: 300_000 })

  return {
    hub,

    async start(prompt) {
      if (typeof prompt !== 'string' || prompt.trim() === '') {
        return { status: 400, error: 'Send a JSON body with a non-empty "prompt".' }
      }
      if (prompt.length > MAX_PROMPT) {
        return { status: 400, error: `The prompt is longer than ${MAX_PROMPT} characters.` }
      }
      /** @type {Run} */
      const run = {
        id: '',
        prompt: prompt.trim(),
        state: 'streaming',
        startedAt: Date.now(),
        relayed: 0,
        stopCalledMs: undefined,
        upstreamClosedMs: undefined,
        error: undefined,
        log: [],
        omittedEventRecords: 0,
      }
      let relay
      try {
        relay = await hub.start(request(llm, run))
      } catch (error) {
        if (!(error instanceof SseUpstreamError || error instanceof SseTimeoutError)) throw error
        return { status: 502, error: `The LLM request failed: ${error.message}` }
      }
      run.id = relay.id
      runs.set(run.id, run)
      if (runs.size > MAX_RUNS) runs.delete(/** @type {string} */ (runs.keys().next().value))
      void relay.done.then(async (end) => {
        run.upstreamClosedMs = Date.now() - run.startedAt
        run.relayed = (await hub.get(run.id))?.events ?? run.relayed
        run.state = end.status === 'done' ? 'completed' : end.status
        if (end.status === 'failed') run.error = end.reason
      })
      return { run }
    },

    async stop(id) {
      const run = runs.get(id)
      if (run === undefined) return false
      // Recorded before the relay ends, so that the record says why as soon as it says how.
      run.stopCalledMs = Date.now() - run.startedAt
      const stopped = await hub.stop(id, 'user')
      if (!stopped) run.stopCalledMs = undefined
      return stopped
    },

    find: (id) => runs.get(id),

    close: () => hub.close(),
  }
}

/**
 * The LLM request of a run, recording its redacted debug log in the run.
 *
 * @param {LlmEndpoint} llm
 * @param {Run} run
 * @returns {import('@ssekit/express').SseRequestOptions}
 */
function request(llm, run) {
  let eventRecords = 0
  return {
    url: llm.url,
    method: 'POST',
    headers: llm.apiKey === undefined ? {} : { Authorization: `Bearer ${llm.apiKey}` },
    body: { model: llm.model, stream: true, messages: [{ role: 'user', content: run.prompt }] },
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
  }
}

/**
 * Turns an OpenAI-style chunk into a `token` event carrying just the text, so the page needs
 * no knowledge of the upstream's format. Chunks without text (the role, the finish reason,
 * `[DONE]`, usage reports) are dropped: the relay ends with its own `end` event.
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
