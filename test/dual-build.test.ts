import { existsSync } from 'node:fs'
import type http from 'node:http'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type * as Core from '@ssekit/core'
import { listen, type Listening } from '@ssekit/test-helpers/listen'
import { readEvents } from '@ssekit/test-helpers/read-events'

// An app can load both builds of core: its own code `import`s the ESM build while a CommonJS
// dependency `require`s the CJS one. Streams, channels and groups from either must work with
// the other's. Needs `pnpm build` first, as CI does.

const dist = fileURLToPath(new URL('../packages/core/dist/', import.meta.url))
let esm: typeof Core
let cjs: typeof Core

beforeAll(async () => {
  if (!existsSync(`${dist}index.cjs`) || !existsSync(`${dist}index.mjs`)) {
    throw new Error('packages/core/dist is missing: run `pnpm build` first.')
  }
  esm = (await import(pathToFileURL(`${dist}index.mjs`).href)) as typeof Core
  cjs = createRequire(import.meta.url)(`${dist}index.cjs`) as typeof Core
  // Two copies indeed: each build has its own classes.
  expect(esm.createChannel).not.toBe(cjs.createChannel)
})

let server: Listening | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Serves `handler`; an error it throws answers 500 with its message, which the test sees. */
async function serve(handler: http.RequestListener): Promise<string> {
  server = await listen((req, res) => {
    try {
      handler(req, res)
    } catch (error) {
      res.writeHead(500).end((error as Error).message)
    }
  })
  return server.url
}

async function open(url: string): Promise<Response> {
  const response = await fetch(url)
  if (response.status !== 200) throw new Error(await response.text())
  return response
}

describe('the ESM and CJS builds of core in one process', () => {
  it("let the CJS build's channel subscribe a stream from the ESM build", async () => {
    const channel = cjs.createChannel('room')
    const url = await serve((req, res) => {
      const stream = esm.createSseStream(esm.createNodeSink(req, res))
      channel.subscribe(stream)
    })
    const response = await open(url)
    const reader = readEvents(response.body!)
    await expect.poll(() => channel.size).toBe(1)
    await channel.broadcast({ event: 'greeting', data: 'from the other build' })
    expect(await reader.event(0)).toMatchObject({
      event: 'greeting',
      data: 'from the other build',
    })
    await reader.cancel()
  })

  it("let the ESM build's group shut down a stream from the CJS build", async () => {
    const group = esm.createStreamGroup()
    const url = await serve((req, res) => {
      cjs.createSseStream(cjs.createNodeSink(req, res), { group }).init()
    })
    const response = await open(url)
    const reader = readEvents(response.body!)
    await group.closeAll({ event: { event: 'bye', data: 'shutdown' } })
    expect(await reader.event(0)).toMatchObject({ event: 'bye', data: 'shutdown' })
    await reader.ended
  })

  it('name the real cause when a stream comes from an incompatible copy', () => {
    // The public methods of a stream, without this version's internal ones.
    const foreign = { send: () => {}, init: () => {}, close: () => {} }
    expect(() => cjs.createChannel('room').subscribe(foreign as never)).toThrow(
      /another version of @ssekit\/core made it: two versions are loaded/
    )
    expect(() =>
      esm.createSseStream(esm.createWebSink(), { group: { closeAll: () => {} } as never })
    ).toThrow(/"group".*another version of @ssekit\/core/)
  })
})
