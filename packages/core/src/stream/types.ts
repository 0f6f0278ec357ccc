import type { RegisteredEvents, SseEventMap, SseEventOf } from '../event/typed.js'
import type { SseStreamOptions } from './options.js'
import type { SseRequestOptions, SseRequestResult } from '../upstream/options.js'
import type { SseEventSchema, SseSchemaOutput } from '../upstream/options.js'

/** What became of a sent event. */
export interface SendResult {
  /** `true`: the event was NOT sent, because the client left or the stream was closed. */
  readonly clientDisconnected: boolean
}

/**
 * An event stream to one client: `res.sse` in Express, `ctx.sse` in Koa, the `stream` in
 * Hono's `c.var.sse.stream(callback)`.
 *
 * `Events` types what `send` accepts: the map registered in {@link SseRegister} by default,
 * untyped without one.
 */
export interface SseStream<Events extends SseEventMap = RegisteredEvents> {
  /**
   * Starts the stream: status 200 and the SSE headers reach the client at once, and the
   * connection stays open. Idempotent; `send`, `comment` and forwarding call it themselves.
   *
   * @param options - Overrides of the middleware's options for this stream; checked, but
   * ignored once the stream has started.
   * @returns The stream, for chaining.
   * @throws TypeError for invalid options; Error when the response had already started.
   */
  init(options?: SseStreamOptions): this
  /**
   * Sends one event. Never rejects because the client left: resolves
   * `{ clientDisconnected: true }` instead, as after `close()`. Settles once the bytes are
   * handed to the connection, so a loop that awaits it cannot outrun a slow client.
   *
   * @param event - The event; see {@link formatEvent} for what is accepted, and
   * {@link SseEventOf} for what the stream's event map allows.
   * @returns Whether the event was sent.
   * @throws Rejects with a TypeError naming the field for an event that cannot be sent.
   */
  send(event: SseEventOf<Events>): Promise<SendResult>
  /**
   * Sends a comment line, which clients ignore: a keep-alive or a debugging aid.
   *
   * @param text - The comment; multi-line text becomes several comment lines.
   * @returns Whether the comment was sent.
   */
  comment(text?: string): Promise<SendResult>
  /**
   * Calls an upstream event stream on behalf of this stream's client and collects its events;
   * with `forward: true`, relays each one to the client as it arrives, with backpressure, and
   * starts the stream only once the upstream answered 200 `text/event-stream`. The client
   * leaving closes the upstream connection at once. The stream stays open afterwards.
   *
   * @param options - The upstream request.
   * @returns The events received, and `clientDisconnected: true` if the client left first.
   * @throws Rejects before any I/O with a TypeError naming an invalid option; with
   * `SseUpstreamError` or `SseTimeoutError` (carrying the events so far); with the `signal`'s
   * reason when it aborts.
   */
  request<Schema extends SseEventSchema>(
    options: SseRequestOptions & { schema: Schema }
  ): Promise<SseRequestResult<SseSchemaOutput<Schema>>>
  request(options: SseRequestOptions): Promise<SseRequestResult>
  /** Ends the response. Idempotent; later sends resolve `{ clientDisconnected: true }`. */
  close(): void
  /**
   * Answers `204 No Content` instead of starting the stream: the one answer that tells a
   * browser's `EventSource` to stop reconnecting, for a client that has everything already.
   * Once the stream has started, it closes the stream as `close()` does.
   *
   * @returns Whether the 204 was sent.
   * @throws Error when the response was already started by something else than the stream.
   */
  noContent(): boolean
  /** `true` once events can no longer reach the client: it disconnected, or `close()` ran. */
  readonly clientDisconnected: boolean
  /** Aborts when the client goes away or `close()` is called. */
  readonly signal: AbortSignal
  /**
   * The request's `Last-Event-ID` header, decoded as the UTF-8 browsers send; `undefined` when
   * it has none.
   */
  readonly lastEventId: string | undefined
}

/** A stream of any event map, for the functions that take any stream (subscribe, attach). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any map is welcome here
export type AnySseStream = SseStream<any>
