/**
 * The few members of `node:diagnostics_channel` core publishes through. Structural, so that
 * the web-standard path type-checks and loads without Node's types or modules.
 */
export interface DiagnosticsChannel {
  readonly hasSubscribers: boolean
  publish(message: unknown): void
}

/** A `node:diagnostics_channel` `TracingChannel`, as far as core uses it. */
export interface DiagnosticsTracingChannel {
  readonly hasSubscribers: boolean
  tracePromise<Result>(run: () => Promise<Result>, context: object): Promise<Result>
}

interface DiagnosticsModule {
  channel(name: string): DiagnosticsChannel
  tracingChannel(name: string): DiagnosticsTracingChannel
}

const SILENT: DiagnosticsChannel = Object.freeze({
  hasSubscribers: false,
  publish: () => undefined,
})
const SILENT_TRACING: DiagnosticsTracingChannel = Object.freeze({
  hasSubscribers: false,
  tracePromise: <Result>(run: () => Promise<Result>) => run(),
})

/**
 * `node:diagnostics_channel`, reached through `process.getBuiltinModule` (Node 20.16+, Bun,
 * Deno) rather than an import, so that the web-standard path imports no Node module at load.
 * `undefined` on runtimes without it: nothing is then published.
 */
const diagnostics = (
  globalThis as {
    process?: { getBuiltinModule?: (name: string) => unknown }
  }
).process?.getBuiltinModule?.('node:diagnostics_channel') as DiagnosticsModule | undefined

/**
 * A named channel of `node:diagnostics_channel`, or one that never has subscribers where the
 * module does not exist. Publish only after checking `hasSubscribers`, so that nobody
 * listening costs nothing but that check.
 *
 * @param name - The channel's name, e.g. `'ssekit:stream:start'`.
 */
export function diagnosticsChannel(name: string): DiagnosticsChannel {
  return diagnostics?.channel(name) ?? SILENT
}

/**
 * A `TracingChannel` of `node:diagnostics_channel` (its `start`, `end`, `asyncStart`,
 * `asyncEnd` and `error` channels are `tracing:<name>:…`), or a silent stand-in.
 *
 * @param name - The channel's name, e.g. `'ssekit:upstream'`.
 */
export function diagnosticsTracingChannel(name: string): DiagnosticsTracingChannel {
  return diagnostics?.tracingChannel(name) ?? SILENT_TRACING
}
