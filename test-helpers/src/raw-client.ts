import net from 'node:net'
import { waitFor } from './listen.js'

/** A client on a bare TCP socket: it sees exactly the bytes the server sent. */
export interface RawClient {
  readonly socket: net.Socket
  /** Everything received so far, headers included, decoded as latin1 (byte per char). */
  text(): string
  /** The response body received so far, with chunked transfer-encoding undone. */
  body(): string
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>
  /** Resolves once the received text matches `pattern`. */
  until(pattern: RegExp | string, timeoutMs?: number): Promise<void>
}

/**
 * Opens an HTTP/1.1 GET to `url` over a bare socket and records what comes back.
 *
 * @param url - The server's URL.
 * @param headers - Extra request header lines, e.g. `['Connection: close']`.
 */
export function rawGet(url: string, headers: string[] = []): RawClient {
  const { port, pathname } = new URL(url)
  const socket = net.connect(Number(port), '127.0.0.1')
  socket.setNoDelay(true)
  const head = [`GET ${pathname} HTTP/1.1`, 'Host: 127.0.0.1', 'Accept: text/event-stream']
  socket.write(`${[...head, ...headers].join('\r\n')}\r\n\r\n`)
  let text = ''
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1')
  })
  socket.on('error', () => undefined)
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return {
    socket,
    text: () => text,
    body: () => dechunk(text),
    closed,
    until: async (pattern, timeoutMs = 5000) => {
      await waitFor(
        () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)),
        timeoutMs,
        `the response to contain ${String(pattern)}`
      )
    },
  }
}

/** Decodes the body of a raw HTTP/1.1 response, as far as it has arrived. */
function dechunk(response: string): string {
  const split = response.indexOf('\r\n\r\n')
  if (split === -1) return ''
  const head = response.slice(0, split)
  let rest = response.slice(split + 4)
  if (!/^transfer-encoding:\s*chunked/im.test(head)) return rest
  let body = ''
  for (;;) {
    const lineEnd = rest.indexOf('\r\n')
    if (lineEnd === -1) return body
    const size = parseInt(rest.slice(0, lineEnd), 16)
    if (!size || rest.length < lineEnd + 2 + size) return body
    body += rest.slice(lineEnd + 2, lineEnd + 2 + size)
    rest = rest.slice(lineEnd + 2 + size + 2)
  }
}
