import { internalKey } from '../util/index.js'
import type { UntypedEvents } from '../event/typed.js'
import type { ResolvedStreamOptions } from './options.js'
import type { SendResult, SseStream } from './types.js'

/*
 * The entry points of a stream that other core modules use (channels, relays, admission) and
 * applications do not. The keys come from the global symbol registry, so that the ESM and CJS
 * builds of core loaded in one process reach each other's streams.
 */

/** The result of a send that reached the sink. */
export const SENT_RESULT: SendResult = Object.freeze({ clientDisconnected: false })
/** The result of a send that did not: the client left, or the stream ended. */
export const NOT_SENT_RESULT: SendResult = Object.freeze({ clientDisconnected: true })
// Shared settled promises: a send to a writable socket allocates no promise of its own.
/** Core-internal: what `sendFrame` returns when the socket took the frame without waiting. */
export const SENT: Promise<SendResult> = Promise.resolve(SENT_RESULT)
/** What a send returns when nothing was sent. */
export const NOT_SENT: Promise<SendResult> = Promise.resolve(NOT_SENT_RESULT)

/**
 * Core-internal: sends text that is already one or more complete frames, skipping
 * serialization. Channels serialize a broadcast once and hand the same text to every stream.
 */
export const sendFrame: unique symbol = Symbol.for(internalKey('sendFrame'))

/** Core-internal: the stream's resolved options, for the slow-client policy of channels. */
export const streamOptions: unique symbol = Symbol.for(internalKey('streamOptions'))

/** Core-internal: ends the stream as too slow, dropping the connection (policy `'disconnect'`). */
export const dropClient: unique symbol = Symbol.for(internalKey('dropClient'))

/** Core-internal: ends a stream that never started because an admission limit refused it. */
export const refuseStream: unique symbol = Symbol.for(internalKey('refuseStream'))

/** A stream as core modules see it, with the internal entry points. */
export interface InternalStream extends SseStream<UntypedEvents> {
  [sendFrame](frame: string): Promise<SendResult>
  readonly [streamOptions]: ResolvedStreamOptions
  [dropClient](): void
  [refuseStream](): void
}
