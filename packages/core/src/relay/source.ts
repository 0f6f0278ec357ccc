import { describe } from '../util/index.js'
import { UpstreamCall } from '../upstream/call.js'
import type { SseRequestOptions } from '../upstream/options.js'
import { resolveRequestOptions } from '../upstream/resolve-request.js'
import type { RelayProducer } from './options.js'
import type { UntypedEvents } from '../event/typed.js'

/** What a relay runs, once started: an open upstream call, or a producer. */
export type RelaySource =
  { readonly call: UpstreamCall } | { readonly producer: RelayProducer<UntypedEvents> }

/** An upstream that answered 204 to a retry has nothing to send: the relay is done at once. */
const NOTHING: RelayProducer<UntypedEvents> = () => undefined

/** Ids longer than this are refused: they become keys and channel names. */
const MAX_ID_LENGTH = 256

/**
 * Checks what `start` was given, before any I/O.
 *
 * @param source - Request options or a producer.
 * @returns Opens it: the upstream call once it answered 200 `text/event-stream`.
 * @throws TypeError naming the invalid option, or for `forward`.
 */
export function openSource(
  source: SseRequestOptions | RelayProducer<UntypedEvents>
): () => Promise<RelaySource> {
  if (typeof source === 'function') return () => Promise.resolve({ producer: source })
  if (typeof source !== 'object' || (source as unknown) === null) {
    throw new TypeError(
      `The parameter "source" of start() must be upstream request options or a producer function; got ${describe(source)}.`
    )
  }
  const request = resolveRequestOptions(source)
  if (request.forward) {
    throw new TypeError(
      'The option "forward" has no meaning for a relay, which keeps the events for its clients: remove it.'
    )
  }
  return async () => {
    const call = new UpstreamCall(request)
    try {
      if (await call.open()) return { call }
    } catch (error) {
      call.release()
      throw error
    }
    call.release()
    return { producer: NOTHING }
  }
}

/**
 * @param id - A relay id from a caller.
 * @param field - Its name, for the error.
 * @returns The id.
 * @throws TypeError unless it is a non-empty string of at most 256 characters.
 */
export function checkRelayId(id: unknown, field: string): string {
  if (typeof id === 'string' && id !== '' && id.length <= MAX_ID_LENGTH) return id
  throw new TypeError(
    `The relay "${field}" must be a non-empty string of at most ${MAX_ID_LENGTH} characters; got ${describe(id)}.`
  )
}

/** @returns A new relay id: 128 random bits, hex-encoded. */
export function randomRelayId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  let id = ''
  for (const byte of bytes) id += byte.toString(16).padStart(2, '0')
  return id
}
