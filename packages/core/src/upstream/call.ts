import { EventConnection, type BodyEnd, type BodyOwner } from './body-reader.js'
import { connectAttempt, type AttemptOwner } from './attempt.js'
import { SseTimeoutError, SseUpstreamError } from './errors.js'
import { numberedLog, type Log } from '../util/log.js'
import { reconnectDelay, type SseGiveUpInfo } from './reconnect.js'
import { type SseInvalidEventError, validateEvents } from './schema.js'
import { completeHeaders, headersFrom, type CheckedHeaders } from './request-headers.js'
import type { UpstreamEvent } from '../event/upstream-event.js'
import type { ResolvedRequest } from './resolve-request.js'
import { type AbortWatcher, unwatchSignal, watchSignal } from '../util/index.js'
import { networkFailure, retryReason } from './answer.js'
import { publishReconnect, type SseUpstreamTraceContext } from './diagnostics.js'

/**
 * Why a call stopped before its upstream ended:
 *
 * - `'signal'`: the caller's `signal` aborted; the call rejects with its reason.
 * - `'downstream'`: the downstream client left or the stream was closed; the call resolves.
 * - `'return'`: the iterator was closed (`break` out of `for await`); it ends quietly.
 */
export type StopKind = 'signal' | 'downstream' | 'return'

interface Stop {
  readonly kind: StopKind
  readonly reason: unknown
}

/** Numbers requests in debug logs, so the records of concurrent requests can be told apart. */
let requestCount = 0

/**
 * One call to an upstream event stream, across the connections it opens: it links the caller's
 * `signal` and the downstream stream's signal, remembers why it stopped, tracks what a
 * reconnection needs (the last event id and the upstream's `retry`), and reconnects within the
 * request's bounds. Consumers see one stream: {@link UpstreamCall.read} fills one
 * {@link UpstreamCall.queue}, whichever connection the events came from.
 */
export class UpstreamCall implements BodyOwner, AbortWatcher, AttemptOwner {
  readonly request: ResolvedRequest
  readonly log: Log | undefined
  /**
   * Events parsed and not yet taken, from whichever connection. Consumers take them all after
   * each {@link UpstreamCall.read}, then empty the array.
   */
  readonly queue: UpstreamEvent[] = []
  /** The id of the last frame that carried one, sent as `Last-Event-ID` by a new connection. */
  lastEventId: string | undefined
  /** The reconnection delay the upstream asked for, in milliseconds. */
  retry: number | undefined
  #stop: Stop | undefined
  /** Aborts the connection being opened or read. */
  #abort: AbortController | undefined
  #connection: EventConnection | undefined
  readonly #downstream: AbortSignal | undefined
  /** The call's diagnostics context, when someone listens. */
  readonly #trace: SseUpstreamTraceContext | undefined
  #released = false
  /** Connection attempts after the first, whether they opened or not. */
  #reconnects = 0
  /** Reconnection attempts since the upstream last sent anything. */
  #attempts = 0
  /**
   * When the call started or lost a connection that had received something
   * (`performance.now()`): the start of the outage that `maxElapsed` bounds.
   */
  #lostAt = 0
  /** Ends a wait before a reconnection, or for the caller's headers, at once. */
  #interruptWait: ((reason: unknown) => void) | undefined
  /** An event that failed the `schema`, thrown by the next read. */
  #invalid: SseInvalidEventError | undefined
  /** The caller's `Last-Event-ID`, from the headers of the latest attempt. */
  #callerLastEventId: string | undefined

  /**
   * @param request - The validated options.
   * @param downstream - The signal of the stream the events go to, for `stream.request`.
   * @param trace - The diagnostics context to publish responses and reconnections with.
   */
  constructor(request: ResolvedRequest, downstream?: AbortSignal, trace?: SseUpstreamTraceContext) {
    this.request = request
    this.#trace = trace
    this.log =
      request.logger === undefined
        ? undefined
        : numberedLog(request.logger, 'request', ++requestCount)
    if (request.reconnectRefused !== undefined) {
      this.log?.('reconnect-off', { reason: request.reconnectRefused })
    }
    this.#downstream = downstream
    this.#callerLastEventId = request.lastEventId
    const { signal } = request
    if (signal?.aborted === true) this.#stop = { kind: 'signal', reason: signal.reason }
    else if (downstream?.aborted === true) {
      this.#stop = { kind: 'downstream', reason: downstream.reason }
    } else {
      if (signal !== undefined) watchSignal(signal, this)
      if (downstream !== undefined) watchSignal(downstream, this)
    }
  }

  /** Why the call stopped, if something stopped it. */
  get stopped(): StopKind | undefined {
    return this.#stop?.kind
  }

  /**
   * Stops the call: the current connection closes at once. The first stop wins.
   *
   * @param kind - Who stopped it.
   * @param reason - What an operation cut short by the stop throws.
   */
  stop(kind: StopKind, reason: unknown): void {
    if (this.#stop !== undefined || this.#released) return
    this.#stop = { kind, reason }
    this.log?.('abort', { by: kind })
    this.#detach()
    this.#abort?.abort(reason)
    this.#connection?.cancel(reason)
    this.#interruptWait?.(reason)
  }

  /**
   * Opens the first connection; with `reconnect`, failures to connect are retried like drops.
   *
   * @returns `false` when a retry was answered 204: the upstream has nothing to send.
   * @throws The stop's reason when stopped; the failure when it is final or the reconnection
   * bounds ran out.
   */
  open(): Promise<boolean> {
    this.#lostAt = performance.now()
    return this.#connectWithRetries()
  }

  /**
   * Reads the next chunk of events into {@link UpstreamCall.queue}, from the current
   * connection or, once it drops, from the next one.
   *
   * @returns `false` once the upstream has ended for good.
   * @throws The `signal`'s reason, or an upstream error that ended the call.
   */
  async read(): Promise<boolean> {
    if (this.#invalid !== undefined) throw this.#invalid
    const connection = this.#connection as EventConnection
    const read = await connection.read()
    if (read !== true) return this.#ended(connection, read)
    const { schema } = this.request
    if (schema !== undefined && this.queue.length > 0) {
      // The valid events before an invalid one are taken first; the next read fails.
      this.#invalid = await validateEvents(this.queue, schema, this.request.safeUrl, this.log)
      if (this.#stop !== undefined) throw this.#stop.reason
    }
    return true
  }

  /** Takes a connection's end: makes a failure of what ended it, closes it, and decides. */
  #ended(connection: EventConnection, end: BodyEnd): Promise<boolean> {
    const failed = end.error !== undefined || end.timedOut !== undefined
    const failure = failed ? this.failure(end.error, end.timedOut, end.contentType) : undefined
    connection.close(failure)
    return this.#recover(connection, failure)
  }

  /**
   * Decides what follows the end of a connection: a reconnection and the next read, the end
   * of the call, or its failure.
   *
   * @param connection - The connection that ended.
   * @param failure - What failed it; `undefined` when the upstream ended the stream.
   * @returns What the next read returns; `false` when the call is over.
   * @throws The stop's reason when stopped; the failure when it is final or the reconnection
   * bounds ran out.
   */
  async #recover(connection: EventConnection, failure: unknown): Promise<boolean> {
    if (this.#stop !== undefined) throw this.#stop.reason
    const reconnect = this.request.reconnect
    if (failure === undefined && reconnect?.resumeAfterEnd !== true) return false
    if (connection.received) {
      this.#attempts = 0
      this.#lostAt = performance.now()
    }
    if (!(await this.#backoff(failure))) return false
    return (await this.#connectWithRetries()) && this.read()
  }

  /** Connects until a connection opens, the upstream says stop, or reconnection gives up. */
  async #connectWithRetries(): Promise<boolean> {
    for (;;) {
      let response: Response | undefined
      try {
        response = await this.#connect()
      } catch (error) {
        await this.#backoff(error)
        continue
      }
      if (response === undefined) return false
      const contentType = response.headers.get('content-type')
      this.#connection = new EventConnection(this, response.body, contentType)
      this.request.onOpen?.({
        status: response.status,
        headers: response.headers,
        reconnects: this.#reconnects,
        lastEventId: this.#sentLastEventId(),
      })
      return true
    }
  }

  /**
   * After a failure or the end of the stream: gives up, or waits for the next attempt.
   *
   * @param failure - What failed; `undefined` when the upstream ended the stream.
   * @returns `true` to reconnect; `false` when the bounds ran out after an end.
   * @throws The stop's reason; the failure when it is final or the bounds ran out.
   */
  async #backoff(failure: unknown): Promise<boolean> {
    if (this.#stop !== undefined) throw this.#stop.reason
    const reconnect = this.request.reconnect
    if (reconnect === undefined) throw failure
    const reason = failure === undefined ? 'end' : retryReason(failure)
    if (reason === undefined) return this.#giveUp('final', failure)
    const attempt = this.#attempts + 1
    const delay = reconnectDelay(reconnect, attempt, this.retry)
    if (attempt > reconnect.maxAttempts) return this.#giveUp('attempts', failure)
    if (performance.now() + delay - this.#lostAt > reconnect.maxElapsed) {
      return this.#giveUp('elapsed', failure)
    }
    this.#attempts = attempt
    const lastEventId = this.#sentLastEventId()
    this.log?.('retry', { attempt, delay, reason, lastEventId })
    publishReconnect(this.#trace, attempt, delay, reason)
    reconnect.onRetry?.(
      failure === undefined
        ? { attempt, delay, reason, lastEventId }
        : {
            attempt,
            delay,
            reason,
            lastEventId,
            // Only these two are retried.
            error: failure as SseUpstreamError | SseTimeoutError,
          }
    )
    await this.#wait(delay)
    this.#reconnects++
    return true
  }

  #giveUp(reason: SseGiveUpInfo['reason'], failure: unknown): false {
    const attempts = this.#attempts
    this.log?.('give-up', { reason, attempts })
    this.request.reconnect?.onGiveUp?.(
      failure === undefined ? { reason, attempts } : { reason, attempts, error: failure }
    )
    if (failure === undefined) return false
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a hook may throw anything.
    throw failure
  }

  /** Waits before a reconnection; the call stopping ends the wait at once. */
  #wait(delay: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#stop !== undefined) {
        reject(this.#stop.reason)
        return
      }
      // Not unref'd: the caller awaits this call, and nothing else may keep the process alive.
      const timer = setTimeout(() => {
        this.#interruptWait = undefined
        resolve()
      }, delay)
      this.#interruptWait = (reason) => {
        clearTimeout(timer)
        this.#interruptWait = undefined
        reject(reason)
      }
    })
  }

  /** The `Last-Event-ID` the next request sends. */
  #sentLastEventId(): string | undefined {
    const id = this.lastEventId
    if (id === undefined) return this.#callerLastEventId
    return id === '' ? undefined : id
  }

  /**
   * Opens one connection with this attempt's headers.
   *
   * @returns The response, ready to read; `undefined` when a reconnection was answered 204.
   * @throws The stop's reason when stopped; what {@link connectAttempt} throws.
   */
  async #connect(): Promise<Response | undefined> {
    if (this.#stop !== undefined) throw this.#stop.reason
    const headers = await this.#attemptHeaders()
    const abort = new AbortController()
    this.#abort = abort
    return connectAttempt(this, {
      headers,
      lastEventId: this.#sentLastEventId(),
      abort,
      reconnects: this.#reconnects,
      trace: this.#trace,
    })
  }

  /**
   * Turns what made an operation fail into what the call throws: the stop's reason when the
   * call was stopped, a timeout that fired, or an {@link SseUpstreamError} for anything else
   * the connection did.
   *
   * @param error - What the operation threw.
   * @param timedOut - The timeout that aborted the connection, if one did.
   * @param contentType - The response's `Content-Type`, once a response came.
   * @returns The error to throw.
   */
  failure(
    error: unknown,
    timedOut: SseTimeoutError | undefined,
    contentType: string | null | undefined
  ): unknown {
    if (this.#stop !== undefined) return this.#stop.reason
    if (timedOut !== undefined) return timedOut
    if (error instanceof SseUpstreamError) return error
    const failed = networkFailure(error, this.request.url, this.request.safeUrl, contentType)
    this.log?.('error', { type: 'network', message: failed.detail })
    return failed.error
  }

  /**
   * Aborts the connection being read, e.g. when its idle timeout passes.
   *
   * @param reason - What its pending read rejects with.
   */
  abortConnection(reason: unknown): void {
    this.#abort?.abort(reason)
    this.#connection?.cancel(reason)
  }

  /**
   * Ends the call: removes the listeners it added and closes a connection still open.
   * Idempotent; call it on every way out.
   */
  release(): void {
    if (this.#released) return
    this.#detach()
    const ended = new DOMException('The upstream request ended.', 'AbortError')
    if (this.#connection?.done === false) this.abortConnection(ended)
    this.#interruptWait?.(ended)
    this.#released = true
    this.#connection = undefined
    this.#abort = undefined
  }

  /**
   * This attempt's headers: a copy of the fixed ones, or what the caller's function returns
   * now, completed like them. Stopping the call ends the wait for the function at once.
   *
   * @throws The stop's reason; what the function throws; a TypeError for an invalid header.
   */
  async #attemptHeaders(): Promise<Headers> {
    const { headerSource, headerDefaults } = this.request
    if (headerSource === undefined) return new Headers(this.request.headers)
    const { headers, lastEventId } = await new Promise<CheckedHeaders>((resolve, reject) => {
      this.#interruptWait = reject
      headersFrom(headerSource).then(resolve, reject)
    }).finally(() => {
      this.#interruptWait = undefined
    })
    if (this.#stop !== undefined) throw this.#stop.reason
    this.#callerLastEventId = lastEventId
    return completeHeaders(headers, headerDefaults)
  }

  /** The caller's `signal` or the downstream stream's aborted. */
  onAbort(signal: AbortSignal): void {
    this.stop(signal === this.request.signal ? 'signal' : 'downstream', signal.reason)
  }

  #detach(): void {
    const { signal } = this.request
    if (signal !== undefined) unwatchSignal(signal, this)
    if (this.#downstream !== undefined) unwatchSignal(this.#downstream, this)
  }
}
