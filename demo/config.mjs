// The demo's settings, read from environment variables so the README's one command needs none.

/** Where OpenAI's own API lives: the default when only an API key is given. */
const OPENAI_BASE_URL = 'https://api.openai.com/v1'

/**
 * @typedef {object} LlmEndpoint An OpenAI-compatible chat completions API.
 * @property {string} url The chat completions URL.
 * @property {string | undefined} apiKey Sent as a bearer token, by the server only.
 * @property {string} model The model asked for.
 */

/**
 * @typedef {object} DemoConfig
 * @property {string} host The interface the demo's servers listen on.
 * @property {number} port Express's port; Koa, Hono and Fastify take the next three. `0`: any free ports.
 * @property {LlmEndpoint | undefined} llm A real endpoint, or `undefined` for the simulated one.
 */

/**
 * Reads the demo's settings.
 *
 * - `DEMO_PORT` (default 3000): Express's port; Koa, Hono and Fastify listen on the next three
 * ports.
 * - `DEMO_HOST` (default 127.0.0.1): the interface to listen on.
 * - `DEMO_LLM_BASE_URL`, `DEMO_LLM_API_KEY`, `DEMO_LLM_MODEL`: an OpenAI-compatible API for
 *   the assistant instead of the simulated one. Setting the key alone means OpenAI's API.
 *
 * @param {Record<string, string | undefined>} env The environment, e.g. `process.env`.
 * @returns {DemoConfig}
 */
export function readConfig(env) {
  const baseUrl = env.DEMO_LLM_BASE_URL || undefined
  const apiKey = env.DEMO_LLM_API_KEY || undefined
  return {
    host: env.DEMO_HOST || '127.0.0.1',
    port: readPort(env.DEMO_PORT),
    llm:
      baseUrl === undefined && apiKey === undefined
        ? undefined
        : {
            url: chatCompletionsUrl(baseUrl ?? OPENAI_BASE_URL),
            apiKey,
            model: env.DEMO_LLM_MODEL || 'gpt-4o-mini',
          },
  }
}

/** @param {string | undefined} value */
function readPort(value) {
  if (value === undefined || value === '') return 3000
  const port = Number(value)
  // The two ports after it must exist too.
  if (!Number.isInteger(port) || port < 0 || port > 65533) {
    throw new Error(`DEMO_PORT must be a port number from 0 to 65533; got "${value}".`)
  }
  return port
}

/**
 * The chat completions URL under a base URL such as `https://api.openai.com/v1`, the form
 * OpenAI's SDKs take (`OPENAI_BASE_URL`) and compatible servers document.
 *
 * @param {string} baseUrl
 */
function chatCompletionsUrl(baseUrl) {
  let url
  try {
    url = new URL(baseUrl)
  } catch {
    throw new Error(`DEMO_LLM_BASE_URL must be an absolute URL; got "${baseUrl}".`)
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`
  return url.href
}
