import { Agent, getGlobalDispatcher, setGlobalDispatcher } from 'undici'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startUpstream, type Upstream, type UpstreamHandler } from '@ssekit/test-helpers/upstream'
import { sseRequest } from './request.js'

let upstream: Upstream | undefined
let agent: Agent | undefined
afterEach(async () => {
  await upstream?.close()
  await agent?.close()
  upstream = undefined
  agent = undefined
})

async function serve(handler: UpstreamHandler): Promise<Upstream> {
  upstream = await startUpstream(handler)
  return upstream
}

/** Milliseconds the quiet upstream waits, before its headers and between its two events. */
const QUIET_MS = 1500

/** An upstream that is slow to answer and then quiet between two events. */
const quiet: UpstreamHandler = async (call) => {
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
  await call.send({ data: 'first' })
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
  await call.send({ data: 'second' })
  call.end()
}

/** An undici agent whose own timeouts are far shorter than the upstream's silences. */
function impatientAgent(): Agent {
  agent = new Agent({ headersTimeout: 50, bodyTimeout: 50 })
  return agent
}

describe('the dispatcher', () => {
  it('cuts the quiet upstream when fetch uses it as is', async () => {
    const { url } = await serve(quiet)
    // Node's fetch, handed the npm package's agent as a user would.
    const init: object = { dispatcher: impatientAgent() }
    await expect(
      fetch(url, init as RequestInit).then((response) => response.text())
    ).rejects.toMatchObject({ cause: { code: 'UND_ERR_HEADERS_TIMEOUT' } })
  })

  it("keeps a quiet upstream open: undici's timeouts are off, ssekit's own apply", async () => {
    const { url } = await serve(quiet)
    const { events } = await sseRequest({ url, dispatcher: impatientAgent() })
    expect(events.map((event) => event.data)).toEqual(['first', 'second'])
  })

  it('keeps the timeouts off for the process-wide dispatcher, and still uses it', async () => {
    const { url } = await serve(quiet)
    const previous = getGlobalDispatcher()
    const impatient = impatientAgent()
    const dispatch = vi.spyOn(impatient, 'dispatch')
    setGlobalDispatcher(impatient)
    try {
      const { events } = await sseRequest({ url })
      expect(events.map((event) => event.data)).toEqual(['first', 'second'])
      // The request went through the process-wide dispatcher, not a private one.
      expect(dispatch).toHaveBeenCalledTimes(1)
    } finally {
      setGlobalDispatcher(previous)
    }
  })

  it('sends the request through the given dispatcher', async () => {
    const { url, call } = await serve((request) => {
      request.end('data: ok\n\n')
    })
    agent = new Agent()
    const viaProxy = agent.compose(
      (dispatch) => (options, handler) =>
        dispatch(
          {
            ...options,
            headers: { ...(options.headers as Record<string, string>), 'x-via': 'dispatcher' },
          },
          handler
        )
    )
    const { events } = await sseRequest({ url, dispatcher: viaProxy })
    expect(events).toEqual([{ data: 'ok' }])
    expect((await call(0)).headers['x-via']).toBe('dispatcher')
  })

  it('uses a custom fetch, which gets no dispatcher unless one was given', async () => {
    const { url, call } = await serve((request) => {
      request.end('data: ok\n\n')
    })
    const inits: RequestInit[] = []
    const { events } = await sseRequest({
      url,
      fetch: (input, init) => {
        inits.push(init)
        const headers = new Headers(init.headers)
        headers.set('x-signed', 'yes')
        return fetch(input, { ...init, headers })
      },
    })
    expect(events).toEqual([{ data: 'ok' }])
    expect((await call(0)).headers['x-signed']).toBe('yes')
    expect('dispatcher' in (inits[0] as object)).toBe(false)
  })
})
