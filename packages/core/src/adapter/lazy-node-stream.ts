import { decodeHeaderText, describe } from '../util/index.js'
import { createNodeSink } from '../sink/node-sink.js'
import type { NodeRequest, NodeResponse } from '../sink/node-types.js'
import { createSseStream, type SseStream } from '../stream/stream.js'
import { admitStream } from './admit.js'
import type { MiddlewareStreamOptions } from './middleware-options.js'

/**
 * Where a framework keeps its per-request objects: how an adapter tells
 * {@link lazyNodeStreams} to reach the Node request and response behind the object its users
 * read the stream from (Express's `res`, Koa's `ctx`).
 */
export interface NodeStreamHost<Host extends object> {
  /** The property users read the stream from, e.g. `'sse'`. */
  readonly property: string
  /**
   * The prototype to define the property on, shared by every `Host` of the framework.
   * @param host - A request's object.
   * @returns An object on `host`'s prototype chain.
   */
  prototypeOf(host: Host): object
  /**
   * @param host - A request's object.
   * @returns The Node request behind it.
   */
  request(host: Host): NodeRequest
  /**
   * @param host - A request's object.
   * @returns The Node response behind it.
   */
  response(host: Host): NodeResponse
  /**
   * What the middleware's `clientKey` receives for this request.
   * @defaultValue the Node request, from {@link NodeStreamHost.request}
   */
  readonly clientKeyArgument?: (host: Host) => unknown
  /** Runs when the stream starts (or is refused), before its status and headers are written. */
  readonly onOpen?: (host: Host) => void
}

/** The lazily created streams of one framework's requests. */
export interface LazyNodeStreams<Host extends object> {
  /**
   * Lets `host[property]` create an event stream with `options` when first read. Until then
   * the request is untouched; this costs one `WeakMap` entry.
   *
   * @param host - A request's object.
   * @param options - The middleware's resolved options.
   */
  enable(host: Host, options: MiddlewareStreamOptions): void
  /**
   * @param host - A request's object.
   * @returns The stream `host[property]` created, or `undefined` when nothing read it.
   */
  created(host: Host): SseStream | undefined
}

/**
 * Gives a Node framework's per-request objects a stream property that creates the request's
 * {@link SseStream} on first read, over {@link createNodeSink}. Express and Koa share it.
 *
 * The property is a getter defined once on a prototype, with per-request state in a `WeakMap`:
 * adding a property to each request object costs microseconds in V8 (Express gives every
 * response a new prototype, so its property additions take the slow path), a `WeakMap` entry
 * costs tens of nanoseconds. Objects that no middleware enabled read `undefined`. When the
 * prototype's property belongs to someone else, each enabled object gets its own getter.
 *
 * @param host - How to reach the request, the response and the prototype from a `Host`.
 * @returns The functions a middleware calls for each request.
 * @throws TypeError when `host` lacks a property name or one of its functions.
 */
export function lazyNodeStreams<Host extends object>(
  host: NodeStreamHost<Host>
): LazyNodeStreams<Host> {
  checkHost(host)
  const enabled = new WeakMap<Host, MiddlewareStreamOptions>()
  const streams = new WeakMap<Host, SseStream>()
  const prototypes = new WeakSet<object>()

  function get(this: Host): SseStream | undefined {
    const existing = streams.get(this)
    if (existing !== undefined) return existing
    const options = enabled.get(this)
    if (options === undefined) return undefined
    const { onOpen } = host
    const req = host.request(this)
    const res = host.response(this)
    const { stream, refusal } = admitStream(
      options,
      host.clientKeyArgument === undefined ? req : host.clientKeyArgument(this),
      () => req.socket.remoteAddress,
      () => lastEventIdOf(req.headers['last-event-id']),
      () =>
        createSseStream(
          createNodeSink(
            req,
            res,
            onOpen &&
              (() => {
                onOpen(this)
              })
          ),
          options
        )
    )
    streams.set(this, stream)
    if (refusal !== undefined && !res.headersSent) {
      onOpen?.(this)
      res.writeHead(refusal.status, refusal.headers)
      res.end()
    }
    return stream
  }

  return {
    enable(target, options) {
      const prototype = host.prototypeOf(target)
      if (!prototypes.has(prototype)) {
        if (Object.hasOwn(prototype, host.property)) {
          // Another copy of this module (an app loading both the CommonJS and the ES build)
          // or another library owns the prototype's property: shadow it on this object only.
          Object.defineProperty(target, host.property, { configurable: true, get })
        } else {
          Object.defineProperty(prototype, host.property, { configurable: true, get })
          prototypes.add(prototype)
        }
      }
      enabled.set(target, options)
    },
    created: (target) => streams.get(target),
  }
}

function lastEventIdOf(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  return decodeHeaderText(Array.isArray(value) ? value.join(', ') : value)
}

/** Checked once, when an adapter module loads, rather than on every request. */
function checkHost(host: unknown): void {
  const fields = (typeof host === 'object' && host !== null ? host : {}) as Partial<
    Record<keyof NodeStreamHost<object>, unknown>
  >
  const fail = (problem: string): never => {
    throw new TypeError(
      `The parameter "host" of lazyNodeStreams(): ${problem}; got ${describe(host)}.`
    )
  }
  if (typeof fields.property !== 'string' || fields.property === '') {
    fail('"property" must be a non-empty string')
  }
  for (const name of ['prototypeOf', 'request', 'response'] as const) {
    if (typeof fields[name] !== 'function') fail(`"${name}" must be a function`)
  }
  if (fields.clientKeyArgument !== undefined && typeof fields.clientKeyArgument !== 'function') {
    fail('"clientKeyArgument" must be a function')
  }
  if (fields.onOpen !== undefined && typeof fields.onOpen !== 'function') {
    fail('"onOpen" must be a function')
  }
}
