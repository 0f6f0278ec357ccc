import { createWebSink, type WebSink } from '@ssekit/core'
import {
  prepareStreamSocket,
  watchEnd,
  type BodyHandOver,
  type EndWatcher,
  type NodeRequest,
  type NodeResponse,
} from '@ssekit/core/adapter'
import type { Context } from 'hono'

/** The part of Node's response (HTTP/1 or HTTP/2) a hand-over uses. */
interface DirectResponse {
  readonly headersSent: boolean
  readonly writableEnded: boolean
  readonly writableLength: number
  readonly writableNeedDrain: boolean
  write(chunk: string): boolean
  end(...args: unknown[]): unknown
  on(event: 'drain', listener: () => void): unknown
  off(event: 'drain', listener: () => void): unknown
}

/**
 * Node's response behind a request served by `@hono/node-server`, as the destination the web
 * sink may hand its body over to: once the server has sent the head and pipes the body itself,
 * events go to the response directly, without the body's promise hops per chunk.
 */
class NodeResponseHandOver implements BodyHandOver {
  readonly #response: DirectResponse

  constructor(response: NodeResponse) {
    this.#response = response
  }

  get ready(): boolean {
    return this.#response.headersSent
  }

  get writableEnded(): boolean {
    return this.#response.writableEnded
  }

  get writableLength(): number {
    return this.#response.writableLength
  }

  get writableNeedDrain(): boolean {
    return this.#response.writableNeedDrain
  }

  write(text: string): boolean {
    return this.#response.write(text)
  }

  on(event: 'drain', listener: () => void): void {
    this.#response.on(event, listener)
  }

  off(event: 'drain', listener: () => void): void {
    this.#response.off(event, listener)
  }

  onEnded(watcher: EndWatcher): void {
    // No event of Node's response fires when `end` is called: the stream must end at once,
    // before a write of the same turn would meet the ended response.
    watchEnd(this.#response, watcher)
  }
}

/**
 * Creates the web sink of a Hono request. On `@hono/node-server`, which passes
 * `{ incoming, outgoing }` as `c.env`, the sink may hand its body over to `outgoing`, and the
 * socket is prepared for a long-lived stream when it starts; elsewhere it is a plain web sink.
 *
 * @param c - The request's context.
 * @param onOpen - Runs when the stream starts, once the sink's headers are set.
 * @returns The sink.
 */
export function createHonoSink(c: Context, onOpen?: () => void): WebSink {
  const node = nodeExchangeOf(c.env)
  if (node === undefined) return createWebSink(c.req.header('last-event-id'), { onOpen })
  return createWebSink(lastEventIdOf(node.incoming), {
    handOver: new NodeResponseHandOver(node.outgoing),
    onOpen: () => {
      prepareStreamSocket(node.incoming)
      onOpen?.()
    },
  })
}

/**
 * The `Last-Event-ID` of a Node request, as Node parsed it, duplicates joined as `Headers.get`
 * joins them. Asking `c.req` instead would make the request build its `Headers`, which it then
 * keeps for as long as the stream is open.
 */
function lastEventIdOf(incoming: NodeRequest): string | undefined {
  const id = incoming.headers['last-event-id']
  return Array.isArray(id) ? id.join(', ') : id
}

/** The Node request and response in `c.env` on `@hono/node-server`; `undefined` elsewhere. */
function nodeExchangeOf(
  env: unknown
): { incoming: NodeRequest; outgoing: NodeResponse } | undefined {
  if (typeof env !== 'object' || env === null) return undefined
  const { incoming, outgoing } = env as { incoming?: unknown; outgoing?: unknown }
  if (typeof incoming !== 'object' || incoming === null) return undefined
  if (typeof outgoing !== 'object' || outgoing === null) return undefined
  if (typeof (outgoing as Partial<NodeResponse>).write !== 'function') return undefined
  return { incoming: incoming as NodeRequest, outgoing: outgoing as NodeResponse }
}
