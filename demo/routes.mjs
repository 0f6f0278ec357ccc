// The demo's routes as data, so that Express, Koa and Hono serve exactly the same ones: each
// adapter's server only translates requests and replies to and from its framework.
import { createAssistant } from './assistant.mjs'
import { assets } from './assets.mjs'
import { createTicks } from './ticks.mjs'

/** @typedef {import('@ssekit/express').SseStream} SseStream */
/** @typedef {import('./config.mjs').LlmEndpoint} LlmEndpoint */

/** Options of every adapter's `sse()` middleware: a dropped browser reconnects after 1 s. */
export const sseOptions = { retry: 1000 }

/**
 * @typedef {object} DemoRequest
 * @property {Record<string, string>} params Path parameters, e.g. `id` in `/api/assistant/:id`.
 * @property {any} body The parsed JSON body of a POST, if any.
 *
 * @typedef {object} Reply
 * @property {number} status
 * @property {string} type The Content-Type.
 * @property {string | Uint8Array} body
 *
 * @typedef {object} Route
 * @property {'GET' | 'POST'} method
 * @property {string} path In the `:name` parameter syntax that all three frameworks share.
 * @property {(request: DemoRequest) => Reply} [reply] Answers with a plain response.
 * @property {(request: DemoRequest) => ((stream: SseStream) => Promise<void>) | undefined} [stream]
 * Answers with an event stream written by the function it returns; `undefined` means 204 No
 * Content, which tells an EventSource to stop reconnecting.
 *
 * @typedef {object} AdapterServer The routes on one framework, ready to listen.
 * @property {import('node:http').Server} server
 * @property {() => Promise<void>} closeAll Ends every event stream, for shutdown.
 *
 * @typedef {object} ServerLink
 * @property {string} name The adapter, e.g. `'Koa'`.
 * @property {number} port
 */

/**
 * @param {object} options
 * @param {string} options.adapter The framework serving these routes, shown on the page.
 * @param {LlmEndpoint & { simulated: boolean }} options.llm The assistant's upstream.
 * @param {() => ServerLink[]} options.servers Every adapter's server, for the page's selector.
 * @returns {Route[]}
 */
export function createRoutes({ adapter, llm, servers }) {
  const ticks = createTicks()
  const assistant = createAssistant(llm)
  return [
    ...assets.map((asset) => ({ method: 'GET', path: asset.path, reply: () => asset })),
    {
      method: 'GET',
      path: '/api/info',
      reply: () => json(200, { adapter, servers: servers(), upstream: describeUpstream(llm) }),
    },
    { method: 'GET', path: '/api/ticks', stream: () => ticks.serve },
    {
      method: 'POST',
      path: '/api/ticks/:stream/drop',
      reply: ({ params }) =>
        ticks.drop(Number(params.stream))
          ? json(200, { dropped: true })
          : json(404, { error: 'No such tick stream is open.' }),
    },
    {
      method: 'POST',
      path: '/api/assistant',
      reply: ({ body }) => {
        const started = assistant.start(body?.prompt)
        return 'error' in started ? json(400, started) : json(201, { id: started.run.id })
      },
    },
    {
      method: 'GET',
      path: '/api/assistant/:id/stream',
      stream: ({ params }) => assistant.open(params.id),
    },
    {
      method: 'GET',
      path: '/api/assistant/:id',
      reply: ({ params }) => {
        const run = assistant.find(params.id)
        return run === undefined ? json(404, { error: 'No such run.' }) : json(200, run)
      },
    },
  ]
}

/**
 * @param {number} status
 * @param {unknown} value
 * @returns {Reply}
 */
function json(status, value) {
  return { status, type: 'application/json; charset=utf-8', body: JSON.stringify(value) }
}

/**
 * What the page may know of the upstream: never its key.
 *
 * @param {LlmEndpoint & { simulated: boolean }} llm
 */
function describeUpstream({ url, model, simulated }) {
  const shown = new URL(url)
  shown.username = ''
  shown.password = ''
  return { simulated, url: shown.href, model }
}
