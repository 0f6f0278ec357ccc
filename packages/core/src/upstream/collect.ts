import { utf8Length } from '../util/index.js'
import type { ResolvedRequest } from './resolve-request.js'
import type { UpstreamEvent } from '../event/upstream-event.js'

/**
 * The events a request collects into its result, within `maxEvents` and `maxCollectedBytes`.
 * Collection stops at the first event that does not fit: `events` is always the start of what
 * arrived, and `truncated` says that more came. Once full, it holds nothing more and costs
 * nothing per event, so a long call runs in constant memory.
 */
export class Collector {
  readonly events: UpstreamEvent[] = []
  truncated = false
  /** Nothing more is collected: `collect: false`, or a bound was reached. */
  #full: boolean
  readonly #maxEvents: number
  /** Bytes still allowed by `maxCollectedBytes`. */
  #room: number

  /** @param request - Read for `collect`, `maxEvents` and `maxCollectedBytes`. */
  constructor(request: ResolvedRequest) {
    this.#full = !request.collect
    this.#maxEvents = request.maxEvents
    this.#room = request.maxCollectedBytes
  }

  /**
   * Collects one event, or records that a bound was passed.
   *
   * @param event - The event, after `transform`.
   */
  add(event: UpstreamEvent): void {
    if (this.#full) return
    const size = this.events.length < this.#maxEvents ? fittingSize(event, this.#room) : -1
    if (size < 0) {
      this.#full = true
      this.truncated = true
      return
    }
    this.#room -= size
    this.events.push(detached(event))
  }
}

/**
 * The size an event counts for against `maxCollectedBytes`: the UTF-8 bytes of its `data`,
 * `event` and `id`, when they fit in `room`.
 *
 * @param event - The event.
 * @param room - The bytes left.
 * @returns The size; `-1` when it is larger than `room`. Counts no further than `room`
 * characters, so a huge event that cannot fit costs nothing.
 */
function fittingSize({ data: value, event = '', id = '' }: UpstreamEvent, room: number): number {
  // A schema's output is counted as the JSON it forwards as.
  const data =
    typeof value === 'string' ? value : ((JSON.stringify(value) as string | undefined) ?? '')
  // Each UTF-16 unit takes at least one UTF-8 byte.
  if (data.length + event.length + id.length > room) return -1
  const size = utf8Length(data) + utf8Length(event) + utf8Length(id)
  return size > room ? -1 : size
}

/**
 * A copy of an event whose strings hold nothing else. The parser cuts fields out of the text
 * of a whole chunk, and the engine may keep that text alive as long as a field lives: a small
 * event kept from a large chunk (padded with a comment, say) would hold the whole chunk, and
 * the byte bound would not bound memory.
 */
function detached(event: UpstreamEvent): UpstreamEvent {
  // Spread first: the fields keep their order, and anything else `transform` added stays.
  // A schema's output was built from parsed JSON: it holds no slice of a chunk.
  const copy = typeof event.data === 'string' ? { ...event, data: own(event.data) } : { ...event }
  if (event.event !== undefined) copy.event = own(event.event)
  if (event.id !== undefined) copy.id = own(event.id)
  return copy
}

/**
 * A string equal to `text` in storage of its own. Joining it to another string and cutting
 * that off again makes the engine copy the characters into a new string once (a slice of a
 * joined string flattens it first), about a quarter of the time of a JSON round trip.
 */
function own(text: string): string {
  return ` ${text}`.slice(1)
}
