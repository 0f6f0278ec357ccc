import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A Node request listener: what Express apps are, and what Koa's `app.callback()` returns. */
type NodeListener = (req: IncomingMessage, res: ServerResponse) => unknown

/**
 * What {@link openSse} can open: an Express app (or any Node request listener), a Koa app,
 * a Hono app (anything with `fetch(request)`), or the URL of a running server.
 */
export type SseTarget =
  | string
  | URL
  | NodeListener
  | { callback(): NodeListener }
  | { fetch(request: Request): Response | Promise<Response> }

/**
 * Sends one request to a target; `close` releases what was started for it. Without a path,
 * a URL target is fetched as given and an app at `/`.
 */
export interface Connection {
  fetch(path: string | undefined, init: RequestInit): Promise<Response>
  close(): Promise<void>
}

/**
 * Opens a connection to a target: Node apps on an ephemeral port of 127.0.0.1, until
 * `close()`; Hono apps through their `fetch`, with no server; URLs with `fetch`.
 */
export function connect(target: SseTarget): Connection {
  if (typeof target === 'string' || target instanceof URL) {
    const base = new URL(target)
    return {
      fetch: (path, init) => fetch(path === undefined ? base : new URL(path, base), init),
      close: async () => {},
    }
  }
  if (
    typeof target === 'object' &&
    typeof (target as { callback?: unknown }).callback !== 'function'
  ) {
    if (typeof (target as { fetch?: unknown }).fetch === 'function') {
      const app = target as { fetch(request: Request): Response | Promise<Response> }
      return {
        fetch: async (path, init) =>
          app.fetch(new Request(new URL(path ?? '/', 'http://localhost'), init)),
        close: async () => {},
      }
    }
  }
  if (typeof target === 'function') return listen(target)
  if (
    typeof target === 'object' &&
    typeof (target as { callback?: unknown }).callback === 'function'
  ) {
    return listen((target as { callback(): NodeListener }).callback())
  }
  throw new TypeError(
    'openSse() needs an Express, Koa or Hono app, a Node request listener, or a URL.'
  )
}

/** Serves a Node listener on an ephemeral port of 127.0.0.1, listening again after `close()`. */
function listen(listener: NodeListener): Connection {
  const server: Server = createServer((req, res) => void listener(req, res))
  let base: Promise<string> | undefined
  const start = (): Promise<string> =>
    new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject)
        resolve(`http://127.0.0.1:${String((server.address() as AddressInfo).port)}`)
      })
    })
  return {
    fetch: async (path, init) => fetch(new URL(path ?? '/', await (base ??= start())), init),
    close: () => {
      if (base === undefined) return Promise.resolve()
      base = undefined
      return new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
    },
  }
}
