import { describe } from '../util/index.js'
import type { RegisteredEvents, SseEventMap, SseEventOf } from '../event/typed.js'
import type { Backplane, RelayStatus, RelayStore } from '../channel/backplane.js'
import { createMemoryBackplane } from '../channel/memory-backplane.js'

/** Options of {@link createRelayHub}. */
export interface RelayHubOptions {
  /**
   * Where relays keep their state and their logs. A Redis backplane (`@ssekit/redis`) shares
   * them between instances: attach, stop and `get` work from any of them.
   * @defaultValue a new in-process backplane
   */
  backplane?: Backplane & RelayStore
  /**
   * Milliseconds a relay goes on with no client attached, on any instance, before it is
   * stopped with reason `orphaned` and its upstream closed. `Infinity`: it runs to completion
   * whoever listens. Long enough for a reload or a network switch to come back.
   * @defaultValue 60000
   */
  orphanTimeout?: number
  /**
   * Milliseconds a finished relay stays attachable (a reload right after the end still gets
   * the whole answer), after which it and its log are gone.
   * @defaultValue 300000
   */
  retention?: number
  /**
   * Events a relay's log holds. A relay whose next event would pass it ends `failed` with
   * reason `log-full`, its upstream closed: the log never drops an event, so every resume is
   * exact.
   * @defaultValue 20000
   */
  maxEvents?: number
  /**
   * UTF-8 bytes of the event frames a relay's log holds, together; passing it ends the relay
   * as `maxEvents` does.
   * @defaultValue 4194304 (4 MiB)
   */
  maxBytes?: number
  /**
   * Relays this hub runs at once; a `start` beyond it rejects with an Error.
   * @defaultValue 1000
   */
  maxRelays?: number
  /**
   * Milliseconds an instance promises to stay alive for each relay it runs, renewed every
   * third of it. When the instance dies, a relay whose lease passed is ended `failed` with
   * reason `owner-lost` by an instance with clients attached, within about 4/3 of this.
   * @defaultValue 15000
   */
  lease?: number
  /**
   * Receives the errors of relays: what ended one `failed` (the producer's error, the
   * upstream's, the backplane's, a full log), and the backplane's failures that did not (see
   * {@link RelayErrorKind}). An error it throws is ignored.
   * @defaultValue logs with `console.error`, saying what failed
   */
  onError?: (error: unknown, relayId: string, kind: RelayErrorKind) => void
}

/**
 * What an error given to `onError` did:
 * - `'failed'`: it ended the relay `failed`; its {@link RelayEnd} tells the reason.
 * - `'end-not-recorded'`: the relay ended here, but the backplane did not take its end; other
 *   instances end it `failed` (`owner-lost`) once its lease passes.
 * - `'lease-renewal'`: renewing the relay's lease failed; it runs on, and the next renewal
 *   (a third of `lease` later) tries again.
 * - `'presence'`: telling the instance that runs the relay that clients are attached here
 *   failed; the next try comes with the next check.
 * - `'state-check'`: reading the state of a relay run elsewhere, for the clients attached
 *   here, failed; the next check tries again.
 */
export type RelayErrorKind =
  'failed' | 'end-not-recorded' | 'lease-renewal' | 'presence' | 'state-check'

/** What a producer gets: where to send its events (typed by `Events`), and when to stop. */
export interface RelayProducerContext<Events extends SseEventMap = RegisteredEvents> {
  /**
   * Appends an event to the relay's log, with the relay's next id in place of its own.
   * Resolves once the backplane took it; does nothing once the relay has ended.
   * @throws Rejects with a TypeError naming the field for an event that cannot be sent.
   */
  send: (event: SseEventOf<Events>) => Promise<void>
  /** Aborts when the relay is stopped (by `stop`, `orphanTimeout`, or the hub closing). */
  signal: AbortSignal
}

/**
 * A job that produces a relay's events: the relay ends `done` when it returns (or its promise
 * resolves), `failed` when it throws.
 */
export type RelayProducer<Events extends SseEventMap = RegisteredEvents> = (
  relay: RelayProducerContext<Events>
) => unknown

/** How a relay ended. */
export interface RelayEnd {
  status: 'done' | 'failed' | 'stopped'
  /** `stop`'s reason, `orphaned`, `shutdown`, or why it failed. */
  reason?: string
}

/** A relay this hub started. */
export interface Relay {
  readonly id: string
  /** Resolves when the relay ends, wherever it was ended. */
  readonly done: Promise<RelayEnd>
}

/** What `get` tells of a relay. */
export interface RelayInfo {
  id: string
  status: RelayStatus
  /**
   * Events in its log, not counting the final `end`, as of the call, on any instance: another
   * instance than the one running it reads the count from the log (the events published since
   * the last lease renewal).
   */
  events: number
}

/** What became of an attached client. */
export interface AttachResult {
  /** `true`: the client left (or its stream was closed) before the relay ended. */
  clientDisconnected: boolean
  /** How the relay ended, when it did while attached (or had already). */
  end?: RelayEnd
}

/** {@link RelayHubOptions} with the defaults applied. */
export interface ResolvedHubOptions {
  readonly backplane: Backplane & RelayStore
  readonly orphanTimeout: number
  readonly retention: number
  readonly maxEvents: number
  readonly maxBytes: number
  readonly maxRelays: number
  readonly lease: number
  readonly onError: (error: unknown, relayId: string, kind: RelayErrorKind) => void
}

const BACKPLANE_METHODS = [
  'publish',
  'subscribe',
  'replay',
  'createRelay',
  'readRelay',
  'updateRelay',
] as const

/**
 * Validates a hub's options and applies the defaults.
 *
 * @param options - What `createRelayHub` was given.
 * @returns The resolved options.
 * @throws TypeError naming the first invalid option.
 */
export function resolveHubOptions(options: unknown): ResolvedHubOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`The relay hub options must be an object; got ${describe(options)}.`)
  }
  const given: RelayHubOptions = options ?? {}
  const backplane = given.backplane ?? createMemoryBackplane()
  const methods = backplane as unknown as Partial<Record<string, unknown>> | null
  if (
    typeof methods !== 'object' ||
    methods === null ||
    BACKPLANE_METHODS.some((name) => typeof methods[name] !== 'function')
  ) {
    throw new TypeError(
      `The option "backplane" must be a backplane that keeps relays (${BACKPLANE_METHODS.join(', ')}); got ${describe(backplane)}.`
    )
  }
  const report = given.onError ?? defaultOnError
  if (typeof report !== 'function') {
    throw new TypeError(`The option "onError" must be a function; got ${describe(report)}.`)
  }
  const onError = (error: unknown, relayId: string, kind: RelayErrorKind): void => {
    try {
      report(error, relayId, kind)
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }
  return {
    backplane,
    orphanTimeout: duration(given.orphanTimeout, 'orphanTimeout', 60_000, true),
    retention: duration(given.retention, 'retention', 300_000, false),
    maxEvents: count(given.maxEvents, 'maxEvents', 20_000),
    maxBytes: count(given.maxBytes, 'maxBytes', 4 * 1024 * 1024),
    maxRelays: count(given.maxRelays, 'maxRelays', 1000),
    lease: duration(given.lease, 'lease', 15_000, false, 30),
    onError,
  }
}

/** What the default `onError` says happened, by kind. */
const ERROR_MESSAGES: Readonly<Record<RelayErrorKind, string>> = {
  failed: 'failed',
  'end-not-recorded': 'ended, but the backplane did not take its end',
  'lease-renewal': 'runs on, but renewing its lease failed (tried again at the next renewal)',
  presence: 'has clients here, but telling the instance that runs it so failed',
  'state-check': 'has clients here, but reading its state failed (tried again shortly)',
}

function defaultOnError(error: unknown, relayId: string, kind: RelayErrorKind): void {
  console.error(`Relay ${relayId} ${ERROR_MESSAGES[kind]}:`, error)
}

function duration(
  value: unknown,
  name: string,
  fallback: number,
  infinite: boolean,
  min = 0
): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && value >= min && (Number.isFinite(value) || infinite)) {
    return value
  }
  const range = infinite ? `${min} or more, or Infinity` : `${min} or more, finite`
  throw new TypeError(
    `The option "${name}" must be a number of milliseconds, ${range}; got ${describe(value)}.`
  )
}

function count(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value
  throw new TypeError(`The option "${name}" must be a positive integer; got ${describe(value)}.`)
}
