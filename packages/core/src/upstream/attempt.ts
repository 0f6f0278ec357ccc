import { SseTimeoutError } from './errors.js'
import type { Log } from '../util/log.js'
import { redactHeaders } from '../util/redact.js'
import { fetchFollowingRedirects } from './redirect.js'
import type { ResolvedRequest } from './resolve-request.js'
import { unref } from '../util/index.js'
import { isEventStream, rejectedAnswer, utf8Bytes } from './answer.js'
import { publishResponse, type SseUpstreamTraceContext } from './diagnostics.js'

/** What one connection attempt needs from the call it belongs to. */
export interface AttemptOwner {
  readonly request: ResolvedRequest
  readonly log: Log | undefined
  /** Who stopped the call; `undefined` while it runs. */
  readonly stopped: string | undefined
  /**
   * Turns what made the attempt fail into what the call throws (the stop's reason once the
   * call was stopped).
   */
  failure(
    error: unknown,
    timedOut: SseTimeoutError | undefined,
    contentType: string | null | undefined
  ): unknown
}

/** One attempt's request. */
export interface Attempt {
  /** The request headers, complete but for `Last-Event-ID`. */
  readonly headers: Headers
  /** The `Last-Event-ID` to send; none when `undefined`. */
  readonly lastEventId: string | undefined
  /** Aborts the attempt; the connect timeout aborts it too. */
  readonly abort: AbortController
  /** Connection attempts of the call before this one. */
  readonly reconnects: number
  /** The call's diagnostics context, when someone listens. */
  readonly trace: SseUpstreamTraceContext | undefined
}

/**
 * Sends one attempt's request, waits for the response headers within `timeout`, and checks
 * that the answer is 200 `text/event-stream`.
 *
 * @param owner - The call.
 * @param attempt - The request to send.
 * @returns The response, ready to read; `undefined` when a reconnection was answered 204.
 * @throws What `owner.failure` makes of a failed connection; {@link SseTimeoutError}
 * (`'connect'`); `SseUpstreamError` for an unusable answer.
 */
export async function connectAttempt(
  owner: AttemptOwner,
  attempt: Attempt
): Promise<Response | undefined> {
  const { request, log } = owner
  const { abort, reconnects } = attempt
  let timedOut: SseTimeoutError | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  if (request.timeout > 0) {
    timer = setTimeout(() => {
      timedOut = new SseTimeoutError('connect', request.timeout, request.safeUrl)
      log?.('timeout', { phase: 'connect' })
      abort.abort(timedOut)
    }, request.timeout)
    // The pending fetch's socket keeps the process alive while the timer matters.
    unref(timer)
  }
  try {
    let response: Response
    try {
      response = await send(owner, attempt)
    } catch (error) {
      throw owner.failure(error, timedOut, undefined)
    }
    const contentType = response.headers.get('content-type')
    log?.('response', {
      status: response.status,
      contentType,
      headers: redactHeaders(response.headers),
    })
    publishResponse(attempt.trace, response.status, contentType, reconnects)
    if (response.status === 204 && reconnects > 0) {
      // The spec's way for a server to stop a client from reconnecting.
      response.body?.cancel().catch(() => undefined)
      return undefined
    }
    if (response.status !== 200 || !isEventStream(contentType)) {
      throw await reject(owner, response, contentType)
    }
    return response
  } finally {
    clearTimeout(timer)
  }
}

function send(owner: AttemptOwner, attempt: Attempt): Promise<Response> {
  const { request, log } = owner
  const { headers, lastEventId } = attempt
  // An empty id from the upstream resets it: no header at all, as EventSource does.
  if (lastEventId === undefined) headers.delete('last-event-id')
  else headers.set('last-event-id', utf8Bytes(lastEventId))
  log?.('request', {
    method: request.method,
    url: request.safeUrl,
    headers: redactHeaders(headers),
  })
  return fetchFollowingRedirects(request, headers, attempt.abort.signal, log)
}

async function reject(
  owner: AttemptOwner,
  response: Response,
  contentType: string | null
): Promise<unknown> {
  const error = await rejectedAnswer(response, contentType, owner.request.safeUrl)
  if (owner.stopped !== undefined) return owner.failure(error, undefined, contentType)
  owner.log?.('error', { type: error.type, status: response.status, contentType })
  return error
}
