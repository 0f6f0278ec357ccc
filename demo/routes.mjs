// The demo's routes as data, so that Express, Koa, Hono and Fastify serve exactly the same ones:
// each adapter's server only translates requests and replies to and from its framework.
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
 * @property {string} path In the `:name` parameter syntax that all four frameworks share.
 * @property {(request: DemoRequest) => Reply | Promise<Reply>} [reply] Answers with a plain
 * response.
 * @property {(request: DemoRequest) => ((stream: SseStream) => Promise<void>) | undefined} [stream]
 * Answers with an event stream written by the function it returns; `undefined` means 204 No
 * Content, which tells an EventSource to stop reconnecting.
 * @property {(request: DemoRequest) => { hub: import('@ssekit/express').RelayHub, id: string }} [attach]
 * Attaches the request's stream to relay `id` of `hub`, resuming after its Last-Event-ID; an
 * unknown relay is answered with {@link NOT_FOUND}.
 *
 * @typedef {object} AdapterServer The routes on one framework, ready to listen.
 * @property {import('node:http').Server} server
 * @property {(options?: import('@ssekit/express').CloseAllOptions) => Promise<void>} closeAll
 * Ends every event stream, for shutdown.
 *
 * @typedef {object} ServerLink
 * @property {string} name The adapter, e.g. `'Koa'`.
 * @property {number} port
 */

/** The answer to a request for a run that does not exist (any more). */
export const NOT_FOUND = json(404, { error: 'No such run.' })

/**
 * @param {object} options
 * @param {string} options.adapter The framework serving these routes, shown on the page.
 * @param {LlmEndpoint & { simulated: boolean }} options.llm The assistant's upstream.
 * @param {import('./assistant.mjs').Assistant} options.assistant The runs, shared by every
 * adapter: a run asked on one page can be followed on another.
 * @param {() => ServerLink[]} options.servers Every adapter's server, for the page's selector.
 * @returns {Route[]}
 */
export function createRoutes({ adapter, llm, assistant, servers }) {
  const ticks = createTicks()
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
      reply: async ({ body }) => {
        const started = await assistant.start(body?.prompt)
        return 'error' in started
          ? json(started.status, { error: started.error })
          : json(201, { id: started.run.id })
      },
    },
    {
      method: 'GET',
      path: '/api/assistant/:id/stream',
      attach: ({ params }) => ({ hub: assistant.hub, id: params.id }),
    },
    {
      method: 'POST',
      path: '/api/assistant/:id/stop',
      reply: async ({ params }) =>
        assistant.find(params.id) === undefined
          ? NOT_FOUND
          : json(200, { stopped: await assistant.stop(params.id) }),
    },
    {
      method: 'GET',
      path: '/api/assistant/:id',
      reply: ({ params }) => {
        const run = assistant.find(params.id)
        return run === undefined ? NOT_FOUND : json(200, run)
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
