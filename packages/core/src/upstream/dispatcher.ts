import { describe } from '../util/index.js'

/**
 * An undici dispatcher (`Agent`, `Pool`, `ProxyAgent`, `EnvHttpProxyAgent`, a `MockAgent`…),
 * as Node's `fetch` accepts in its `dispatcher` init field: proxies, client certificates,
 * connection pools. Only `dispatch` is used; typed structurally so that core needs no Node
 * types.
 */
export interface SseDispatcher {
  dispatch(...args: never[]): unknown
}

/**
 * The key under which undici, bundled in Node or installed from npm, keeps the process-wide
 * dispatcher (`setGlobalDispatcher`). Node's own `fetch` sets it when it first runs.
 */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1')

/** The part of undici's `Dispatcher.dispatch` this module relies on. */
interface Dispatching {
  dispatch(options: object, handler: object): unknown
  readonly isMockActive?: boolean
}

/**
 * A dispatcher that hands every request to `base` (the caller's, or else the process-wide one
 * at the time of the request) with undici's `headersTimeout` and `bodyTimeout` turned off for
 * that request. Node's `fetch` otherwise cuts a response after 300 s without headers or
 * without a body byte, which kills a quiet event stream; the call's own `timeout`,
 * `idleTimeout` and `eventTimeout` bound it instead. Every other setting of the base (proxy,
 * TLS, pool size, interceptors) applies unchanged.
 *
 * Per-request timeouts are part of undici's public `dispatch` options, so this works whatever
 * undici version the `fetch` in use runs on, with no import: runtimes whose `fetch` is not
 * undici's (Bun, Deno, Workers) never call it.
 *
 * @param base - The caller's dispatcher; `undefined` for the process-wide one.
 * @returns The dispatcher to pass to `fetch`.
 */
export function untimedDispatcher(base: SseDispatcher | undefined): SseDispatcher {
  const target = (): Dispatching =>
    (base ?? (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER]) as Dispatching
  return {
    dispatch(options: object, handler: object): unknown {
      return target().dispatch({ ...options, headersTimeout: 0, bodyTimeout: 0 }, handler)
    },
    // fetch asks this of its dispatcher to hand a `MockAgent` the body in the form it reads.
    get isMockActive(): boolean | undefined {
      return target().isMockActive
    },
  } as SseDispatcher
}

/**
 * Validates the `dispatcher` option.
 *
 * @throws TypeError when it has no `dispatch` method.
 */
export function checkDispatcher(value: unknown): SseDispatcher | undefined {
  if (value === undefined) return undefined
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as Partial<Dispatching>).dispatch !== 'function'
  ) {
    throw new TypeError(
      `The option "dispatcher" must be an undici dispatcher (an Agent, a ProxyAgent…) with a dispatch method; got ${describe(value)}.`
    )
  }
  return value as SseDispatcher
}
