import { createAdaptorServer } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import type http from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { listen, type Listening } from '@ssekit/test-helpers/listen'
import { collected } from '@ssekit/test-helpers/memory'
import { sse, type SseStream } from './index.js'

let server: Listening | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** The README's way to keep a stream open: its callback waits until the client leaves. */
function untilClientLeaves(stream: SseStream): Promise<void> {
  return new Promise((resolve) => {
    stream.signal.addEventListener('abort', () => {
      resolve()
    })
  })
}

describe('an idle stream on @hono/node-server', () => {
  it("keeps no reference to the request's context while its callback waits", async () => {
    const contexts: WeakRef<Context>[] = []
    const ended: Promise<void>[] = []
    const app = new Hono()
    app.use(sse())
    app.get('/idle', (c) => {
      contexts.push(new WeakRef(c))
      return c.var.sse.stream((stream) => {
        const left = untilClientLeaves(stream)
        ended.push(left)
        return left
      })
    })
    server = await listen(createAdaptorServer({ fetch: app.fetch }) as http.Server)
    const client = new AbortController()
    const response = await fetch(`${server.url}/idle`, { signal: client.signal })
    expect(response.status).toBe(200)

    expect(await collected(contexts[0]!)).toBe(true)
    // The stream is still open, and still learns that the client left.
    client.abort()
    await ended[0]
  })
})
