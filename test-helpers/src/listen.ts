import http from 'node:http'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'

/** A server listening on an ephemeral port of 127.0.0.1. */
export interface Listening {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  /** Closes the server and every connection still open. */
  close: () => Promise<void>
}

/**
 * Starts an HTTP/1.1 server with `handler` on 127.0.0.1 and a free port.
 *
 * @param handler - The request listener, or an existing server to listen with.
 */
export async function listen(
  handler: http.RequestListener | http.Server
): Promise<Listening & { server: http.Server }> {
  const server = handler instanceof http.Server ? handler : http.createServer(handler)
  return listenOnLoopback(server, () => {
    server.closeAllConnections()
  })
}

/** Starts a cleartext HTTP/2 server with `handler` (compatibility API) on 127.0.0.1. */
export async function listenHttp2(
  handler: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void
): Promise<Listening & { server: http2.Http2Server }> {
  const server = http2.createServer(handler)
  const sessions = new Set<http2.ServerHttp2Session>()
  server.on('session', (session) => {
    sessions.add(session)
    session.on('close', () => sessions.delete(session))
  })
  return listenOnLoopback(server, () => {
    for (const session of sessions) session.destroy()
  })
}

/**
 * Listens on 127.0.0.1 and a free port.
 *
 * @param server - The server.
 * @param dropConnections - Ends the connections still open, before the server closes.
 */
async function listenOnLoopback<Server extends http.Server | http2.Http2Server>(
  server: Server,
  dropConnections: () => void
): Promise<Listening & { server: Server }> {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        dropConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Polls `check` until it returns a truthy value, or fails after `timeoutMs`.
 *
 * @returns The truthy value.
 */
export async function waitFor<T>(
  check: () => T,
  timeoutMs = 5000,
  what = 'condition'
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value) return value
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(5)
  }
}
