// The arguments of a relay hub's methods, checked before any I/O.
import { describe } from '../util/index.js'
import { sendFrame, type InternalStream } from '../stream/stream.js'
import { checkRelayId } from './source.js'

/**
 * Checks the options of `start()`.
 *
 * @param options - What the caller passed.
 * @returns The relay id the caller chose, if any.
 * @throws TypeError naming the invalid field.
 */
export function checkStartOptions(options: unknown): string | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`The options of start() must be an object; got ${describe(options)}.`)
  }
  const { id } = options as { id?: unknown }
  return id === undefined ? undefined : checkRelayId(id, 'id')
}

/**
 * Checks that `attach()` was given a stream of this library.
 *
 * @param stream - What the caller passed.
 * @returns The stream, with its internal methods.
 * @throws TypeError naming the parameter.
 */
export function checkStream(stream: unknown): InternalStream {
  const candidate = stream as Partial<InternalStream> | null
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate[sendFrame] !== 'function' ||
    typeof candidate.noContent !== 'function'
  ) {
    throw new TypeError(
      `The parameter "stream" of attach() must be an SseStream (res.sse, ctx.sse, createSseStream()); got ${describe(stream)}.`
    )
  }
  return candidate as InternalStream
}

/**
 * Picks the cursor `attach()` replays after: the option, else the stream's `Last-Event-ID`.
 *
 * @param options - The options of `attach()`.
 * @param stream - The attached stream.
 * @returns The cursor; `undefined` replays everything.
 * @throws TypeError naming the invalid field.
 */
export function checkCursor(options: unknown, stream: InternalStream): string | undefined {
  if (options === undefined) return stream.lastEventId
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`The options of attach() must be an object; got ${describe(options)}.`)
  }
  if (!('lastEventId' in options) || options.lastEventId === undefined) return stream.lastEventId
  const { lastEventId } = options
  if (lastEventId === null) return undefined
  if (typeof lastEventId === 'string') return lastEventId
  throw new TypeError(
    `The option "lastEventId" of attach() must be a string or null; got ${describe(lastEventId)}.`
  )
}
