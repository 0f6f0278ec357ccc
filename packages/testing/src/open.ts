import { SseTestClient } from './client.js'
import { connect, type Connection, type SseTarget } from './target.js'

/** Options of {@link openSse}. */
export interface OpenSseOptions {
  /** Request headers; `Accept: text/event-stream` is sent unless given. */
  headers?: Record<string, string>
  /** Sent as the `Last-Event-ID` header, as a reconnecting `EventSource` does. */
  lastEventId?: string
  /** The request method. @defaultValue 'GET' */
  method?: string
}

/**
 * Opens an SSE route for a test. An Express or Koa app is served on an ephemeral port of
 * 127.0.0.1 until its stream ends (the server ends it, or the client's `close()`); a Hono app is called through its `fetch`, with no
 * server; a URL is fetched as is. Resolves once the response headers arrived, whatever the
 * status, so a test can check a refusal too.
 *
 * @param target - The app, or the URL of a running server.
 * @param path - The route, with its query string, resolved against a URL target; without it,
 * a URL target is opened as given and an app at `/`.
 * @param options - Headers, `lastEventId`, method.
 * @returns The client: status, headers, events, helpers.
 * @throws TypeError for a target that is not an app or a URL.
 *
 * @example
 * ```ts
 * const client = await openSse(app, '/events')
 * expect(client.status).toBe(200)
 * expect(await client.take(2)).toMatchObject([{ data: 'one' }, { data: 'two' }])
 * await client.close()
 * ```
 */
export function openSse(
  target: SseTarget,
  path?: string,
  options?: OpenSseOptions
): Promise<SseTestClient> {
  let connection: Connection
  try {
    connection = connect(target)
  } catch (error) {
    return Promise.reject(error)
  }
  return request(connection, path, options ?? {}, options?.lastEventId)
}

async function request(
  connection: Connection,
  path: string | undefined,
  options: OpenSseOptions,
  lastEventId: string | undefined
): Promise<SseTestClient> {
  const headers = new Headers({ accept: 'text/event-stream', ...options.headers })
  if (lastEventId !== undefined) headers.set('last-event-id', lastEventId)
  const abort = new AbortController()
  const response = await connection.fetch(path, {
    method: options.method ?? 'GET',
    headers,
    signal: abort.signal,
  })
  return new SseTestClient(
    response,
    abort,
    lastEventId,
    (id) => request(connection, path, options, id),
    () => connection.close()
  )
}
