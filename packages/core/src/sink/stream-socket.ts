import type { IncomingMessage } from 'node:http'
import type { NodeRequest } from './node-types.js'

/**
 * Milliseconds a stream's connection may go without a packet from the client before the
 * kernel probes it (TCP keepalive); Node then sends up to 10 probes 1 s apart, so a client
 * that vanished from a quiet connection is noticed after about 40 s. The same as the default
 * `sendTimeout`: the time after which a client that takes no bytes counts as gone.
 */
const KEEPALIVE_DELAY_MS = 30_000

/**
 * Prepares the socket of an HTTP/1 stream: Nagle's algorithm off, so each event leaves at
 * once, and TCP keepalive on, so the kernel notices a client that vanished without closing
 * the connection while the stream is quiet. HTTP/2 sessions share their socket, which Node
 * does not let a single stream change; they have PING frames instead.
 *
 * @param req - The stream's request.
 */
export function prepareStreamSocket(req: NodeRequest): void {
  if (req.httpVersionMajor >= 2) return
  const { socket } = req as IncomingMessage
  socket.setNoDelay(true)
  socket.setKeepAlive(true, KEEPALIVE_DELAY_MS)
}
