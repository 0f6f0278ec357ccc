import { decodeHeaderText, describe } from '../util/index.js'
import { createNodeSink } from '../sink/node-sink.js'
import type { NodeRequest, NodeResponse } from '../sink/node-types.js'
import { createSseStream, type SseStream } from '../stream/stream.js'
import { admitStream } from './admit.js'
import type { MiddlewareStreamOptions } from './middleware-options.js'

/**
 * How an adapter tells {@link nodeStreams} to reach the Node request and response behind the
 * object its users read the stream from (Express's `res`, Koa's `ctx`, Fastify's `reply`).
 */
export interface NodeStreamSource<Host extends object> {
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
   * @defaultValue the Node request, from {@link NodeStreamSource.request}
   */
  readonly clientKeyArgument?: (host: Host) => unknown
  /** Runs when the stream starts (or is refused), before its status and headers are written. */
  readonly onOpen?: (host: Host) => void
}

/**
 * Where a framework keeps its per-request objects: a {@link NodeStreamSource}, and the property
 * {@link lazyNodeStreams} defines on their shared prototype.
 */
export interface NodeStreamHost<Host extends object> extends NodeStreamSource<Host> {
  /** The property users read the stream from, e.g. `'sse'`. */
  readonly property: string
  /**
   * The prototype to define the property on, shared by every `Host` of the framework.
   * @param host - A request's object.
   * @returns An object on `host`'s prototype chain.
   */
  prototypeOf(host: Host): object
}

/** The streams of one framework's requests, one per request object, created on demand. */
export interface NodeStreams<Host extends object> {
  /**
   * @param host - A request's object.
   * @param options - The middleware's resolved options, used when the stream is created.
   * @returns The stream of `host`, created (or refused by the admission limits) on first call.
   * @throws TypeError when the middleware's `clientKey` does not return a string.
   */
  streamOf(host: Host, options: MiddlewareStreamOptions): SseStream
  /**
   * @param host - A request's object.
   * @returns The stream created for `host`, or `undefined` when none was.
   */
  created(host: Host): SseStream | undefined
}

/**
 * Creates each request's {@link SseStream} over {@link createNodeSink} when first asked for,
 * under the middleware's admission limits: a refused stream's response gets its status and
 * `Retry-After` at once. For frameworks with their own way of adding a property to their
 * request objects (Fastify's `decorateReply`); {@link lazyNodeStreams} builds on it.
 *
 * @param source - How to reach the request and the response from a `Host`.
 * @returns The streams, keyed by request object.
 * @throws TypeError when `source` lacks one of its functions.
 */
export function nodeStreams<Host extends object>(
  source: NodeStreamSource<Host>
): NodeStreams<Host> {
  checkSource(source, 'source', 'nodeStreams')
  const streams = new WeakMap<Host, SseStream>()

  function create(target: Host, options: MiddlewareStreamOptions): SseStream {
    const { onOpen } = source
    const req = source.request(target)
    const res = source.response(target)
    const { stream, refusal } = admitStream(
      options,
      source.clientKeyArgument === undefined ? req : source.clientKeyArgument(target),
      () => req.socket.remoteAddress,
      () => lastEventIdOf(req.headers['last-event-id']),
      () =>
        createSseStream(
          createNodeSink(
            req,
            res,
            onOpen &&
              (() => {
                onOpen(target)
              })
          ),
          options
        )
    )
    streams.set(target, stream)
    if (refusal !== undefined && !res.headersSent) {
      onOpen?.(target)
      res.writeHead(refusal.status, refusal.headers)
      res.end()
    }
    return stream
  }

  return {
    streamOf: (target, options) => streams.get(target) ?? create(target, options),
    created: (target) => streams.get(target),
  }
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
  const streams = nodeStreams(host)
  const enabled = new WeakMap<Host, MiddlewareStreamOptions>()
  const prototypes = new WeakSet<object>()

  function get(this: Host): SseStream | undefined {
    const options = enabled.get(this)
    return options === undefined ? undefined : streams.streamOf(this, options)
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
    created: (target) => streams.created(target),
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
  const fail = hostFailure(host, 'host', 'lazyNodeStreams')
  if (typeof fields.property !== 'string' || fields.property === '') {
    fail('"property" must be a non-empty string')
  }
  if (typeof fields.prototypeOf !== 'function') fail('"prototypeOf" must be a function')
  checkSource(host, 'host', 'lazyNodeStreams')
}

function checkSource(source: unknown, parameter: string, caller: string): void {
  const fields = (typeof source === 'object' && source !== null ? source : {}) as Partial<
    Record<keyof NodeStreamSource<object>, unknown>
  >
  const fail = hostFailure(source, parameter, caller)
  for (const name of ['request', 'response'] as const) {
    if (typeof fields[name] !== 'function') fail(`"${name}" must be a function`)
  }
  for (const name of ['clientKeyArgument', 'onOpen'] as const) {
    if (fields[name] !== undefined && typeof fields[name] !== 'function') {
      fail(`"${name}" must be a function`)
    }
  }
}

function hostFailure(
  value: unknown,
  parameter: string,
  caller: string
): (problem: string) => never {
  return (problem: string): never => {
    throw new TypeError(
      `The parameter "${parameter}" of ${caller}(): ${problem}; got ${describe(value)}.`
    )
  }
}
