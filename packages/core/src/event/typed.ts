/**
 * Where an application registers its event map once, for every stream, channel and relay:
 *
 * ```ts
 * type AppEvents = { tick: { n: number }; message: string }
 * declare module '@ssekit/express' {
 *   interface SseRegister {
 *     events: AppEvents
 *   }
 * }
 * ```
 *
 * Augment the package you import ssekit from (`@ssekit/express`, `@ssekit/koa`,
 * `@ssekit/hono`, `@ssekit/core`). Without it, events are untyped, as `SseEvent`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by augmentation
export interface SseRegister {}

/**
 * The events an application sends: each event type's name, and the type of its `data`. A
 * `message` entry types events sent without an `event` field; data that may be `undefined`
 * may be left out. A map with a string index signature, or with no names at all, means
 * "untyped".
 *
 * @example
 * ```ts
 * type AppEvents = { tick: { n: number }; message: string; ping: undefined }
 * ```
 */
export type SseEventMap = object

/** The map of an untyped stream: any event name, any data. */
export type UntypedEvents = Record<string, unknown>

/** The map registered in {@link SseRegister}, or {@link UntypedEvents} when there is none. */
export type RegisteredEvents = SseRegister extends { events: infer Events extends SseEventMap }
  ? Events
  : UntypedEvents

/** The event names of a map. */
export type SseEventName<Events extends SseEventMap> = Extract<keyof Events, string>

/** Fields every frame may carry, whatever its type. */
interface FrameFields {
  /** Becomes the client's Last-Event-ID. An empty string resets it. */
  id?: string
  /** Reconnection delay the client should use, in milliseconds. */
  retry?: number
  /** Comment line(s), ignored by clients. */
  comment?: string
}

/** A frame that dispatches nothing: only an id, a retry delay or a comment. */
interface SilentFrame extends FrameFields {
  event?: never
  data?: never
}

/**
 * One event of type `Name` carrying `Data`. `message` may leave out its `event` field, and so
 * may any event of an untyped map, whose `Name` is `string`.
 */
type NamedEvent<Name extends string, Data> = FrameFields &
  ('message' extends Name ? { event?: Name } : { event: Name }) &
  (undefined extends Data ? { data?: Data } : { data: Data })

/**
 * What `send`, `broadcast` and relay producers accept for an event map: one of its events with
 * the data its entry declares, or a frame with only `id`, `retry` or `comment`. For an untyped
 * map, any `SseEvent`.
 *
 * @example
 * ```ts
 * type AppEvents = { tick: { n: number } }
 * const ok: SseEventOf<AppEvents> = { event: 'tick', data: { n: 1 } }
 * ```
 */
export type SseEventOf<Events extends SseEventMap = RegisteredEvents> =
  | SilentFrame
  | { [Name in SseEventName<Events>]: NamedEvent<Name, Events[Name]> }[SseEventName<Events>]

/**
 * The part of a browser `EventSource` whose listeners an event map types: only the map's event
 * names are accepted. The wire carries text, so `event.data` is a string: a string entry
 * arrives as sent, anything else as JSON to parse into the entry's type. Annotate the source
 * (no cast needed), and add `end: RelayEnd` to the map for a relay's final event:
 *
 * ```ts
 * import type { SseEventSource } from '@ssekit/core'
 * const source: SseEventSource<AppEvents> = new EventSource('/events')
 * source.addEventListener('tick', (event) => {
 *   const { n }: AppEvents['tick'] = JSON.parse(event.data)
 * })
 * ```
 */
export interface SseEventSource<Events extends SseEventMap> {
  /** Listens to one of the map's event types. */
  addEventListener<Name extends SseEventName<Events>>(
    type: Name,
    listener: (event: SseMessageEvent<Name>) => unknown,
    options?: boolean | { once?: boolean; signal?: AbortSignal }
  ): void
  /** Removes a listener added with {@link SseEventSource.addEventListener}. */
  removeEventListener<Name extends SseEventName<Events>>(
    type: Name,
    listener: (event: SseMessageEvent<Name>) => unknown,
    options?: boolean | { capture?: boolean }
  ): void
  /** Closes the connection; the browser stops reconnecting. */
  close(): void
  /** `0` connecting, `1` open, `2` closed. */
  readonly readyState: number
  /** The URL of the event stream. */
  readonly url: string
}

/** What an {@link SseEventSource} listener receives: the browser's `MessageEvent` fields. */
export interface SseMessageEvent<Name extends string = string> {
  /** The event type. */
  readonly type: Name
  /** The event's data as text: JSON for anything but a string entry. */
  readonly data: string
  /** The last id the stream sent. */
  readonly lastEventId: string
}
