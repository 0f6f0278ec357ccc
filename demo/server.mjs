// `pnpm demo`: starts the assistant's simulated LLM (unless a real one is configured) and the
// same routes on Express, Koa, Hono and Fastify, one port each, then prints where to open the
// page.
import { expressServer } from './adapters/express.mjs'
import { fastifyServer } from './adapters/fastify.mjs'
import { createAssistant } from './assistant.mjs'
import { honoServer } from './adapters/hono.mjs'
import { koaServer } from './adapters/koa.mjs'
import { readConfig } from './config.mjs'
import { createRoutes } from './routes.mjs'
import { startSimulatedLlm } from './simulated-llm.mjs'

/** @typedef {import('./routes.mjs').AdapterServer} AdapterServer */

/**
 * @type {[string, (routes: import('./routes.mjs').Route[]) => AdapterServer | Promise<AdapterServer>][]}
 */
const ADAPTERS = [
  ['Express', expressServer],
  ['Koa', koaServer],
  ['Hono', honoServer],
  ['Fastify', fastifyServer],
]

let config
try {
  config = readConfig(process.env)
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}

// The simulated LLM listens on the loopback interface only, whatever DEMO_HOST says: only the
// demo's servers call it.
const simulated =
  config.llm === undefined
    ? await startSimulatedLlm({ host: '127.0.0.1', log: (line) => console.log(line) })
    : undefined
const llm = simulated ? { ...simulated, simulated: true } : { ...config.llm, simulated: false }

const assistant = createAssistant(llm)

/** @type {import('./routes.mjs').ServerLink[]} */
const links = []
/** @type {AdapterServer[]} */
const running = []
for (const [index, [name, serve]] of ADAPTERS.entries()) {
  const adapter = await serve(createRoutes({ adapter: name, llm, assistant, servers: () => links }))
  running.push(adapter)
  const port = config.port === 0 ? 0 : config.port + index
  try {
    links.push({ name, port: await listen(adapter.server, port, config.host) })
  } catch (error) {
    console.error(`The ${name} server cannot listen on port ${port}: ${String(error)}`)
    console.error(
      'Set DEMO_PORT to another port (Koa, Hono and Fastify take the next three), or 0.'
    )
    await stop()
    process.exit(1)
  }
}

const host = ['0.0.0.0', '::'].includes(config.host) ? 'localhost' : config.host
const origin = host.includes(':') ? `[${host}]` : host
console.log('ssekit demo: the same page and routes on each adapter. Open one:')
for (const { name, port } of links) console.log(`  ${name.padEnd(8)} http://${origin}:${port}/`)
console.log(
  simulated
    ? `Assistant: simulated LLM at ${llm.url} (set DEMO_LLM_BASE_URL, DEMO_LLM_API_KEY and DEMO_LLM_MODEL to use a real one)`
    : `Assistant: ${llm.model} at ${llm.url}`
)
console.log('Press Ctrl+C to stop.')

// Ctrl+C reaches the demo twice under `pnpm demo`: from the terminal, and forwarded by pnpm.
// Every signal is handled, so the second one cannot kill the demo halfway through stopping.
/** @type {Promise<void> | undefined} */
let stopping
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void (stopping ??= stop()))

/**
 * @param {import('node:http').Server} server
 * @param {number} port
 * @param {string} hostname
 * @returns {Promise<number>} The port it listens on.
 */
function listen(server, port, hostname) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, hostname, () => {
      server.off('error', reject)
      resolve(/** @type {import('node:net').AddressInfo} */ (server.address()).port)
    })
  })
}

/** Stops the answers, ends every event stream, then the servers, so the process exits. */
async function stop() {
  await assistant.close()
  await Promise.all(
    running.map(async ({ server, closeAll }) => {
      await closeAll({ grace: 1000 })
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    })
  )
  await simulated?.close()
}
