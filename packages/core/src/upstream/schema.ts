import type { StandardSchemaV1 } from '@standard-schema/spec'
import { describe } from '../util/index.js'
import type { UpstreamEvent } from '../event/upstream-event.js'
import type { Log } from '../util/log.js'
import type { SseEventSchema } from './options.js'

/** One problem an event's data has, as the schema reported it. */
export type SseSchemaIssue = StandardSchemaV1.Issue

/**
 * An upstream event whose data is not JSON, or does not match the request's `schema`. Never
 * retried: the upstream would send the same again. The message names the first issue and its
 * path, never the data; the event is attached.
 */
export class SseInvalidEventError extends Error {
  override readonly name = 'SseInvalidEventError'
  /** The event as received (after `transform`), its `data` the text that failed. */
  readonly event: UpstreamEvent
  /** What the schema found wrong, or one issue saying the data is not JSON. */
  readonly issues: readonly SseSchemaIssue[]
  /** The URL requested, redacted as in `SseUpstreamError.url`. */
  readonly url: string

  /**
   * @param event - The invalid event.
   * @param issues - What is wrong with it.
   * @param url - The redacted URL.
   */
  constructor(event: UpstreamEvent, issues: readonly SseSchemaIssue[], url: string) {
    const first = issues[0]
    const path = first?.path?.map((key) => String(typeof key === 'object' ? key.key : key))
    const where = path === undefined || path.length === 0 ? '' : ` at ${path.join('.')}`
    super(
      `The upstream ${url} sent an event that does not match the schema: ${first?.message ?? 'invalid'}${where}.`
    )
    this.event = event
    this.issues = issues
    this.url = url
  }
}

/** The schema settings of a request that has one. */
export interface ResolvedSchema {
  readonly schema: SseEventSchema
  readonly skipInvalid: boolean
}

/**
 * Validates the `schema` and `invalidEvents` options.
 *
 * @throws TypeError naming the invalid option.
 */
export function checkSchema(schema: unknown, invalidEvents: unknown): ResolvedSchema | undefined {
  if (invalidEvents !== undefined && invalidEvents !== 'error' && invalidEvents !== 'skip') {
    throw new TypeError(
      `The option "invalidEvents" must be 'error' or 'skip'; got ${describe(invalidEvents)}.`
    )
  }
  if (schema === undefined) {
    if (invalidEvents !== undefined) {
      throw new TypeError('The option "invalidEvents" was given without a "schema".')
    }
    return undefined
  }
  const standard =
    typeof schema === 'object' || typeof schema === 'function'
      ? (schema as Partial<StandardSchemaV1> | null)?.['~standard']
      : undefined
  if (typeof standard?.validate !== 'function') {
    throw new TypeError(
      `The option "schema" must be a Standard Schema (Zod, Valibot, ArkType…) with a "~standard" property; got ${describe(schema)}.`
    )
  }
  return { schema: schema as SseEventSchema, skipInvalid: invalidEvents === 'skip' }
}

/**
 * Parses the data of each queued event as JSON and validates it, in place: valid events get
 * the schema's output as `data`, invalid ones are dropped or end the queue. Schemas that
 * validate asynchronously are awaited, one event at a time, in order.
 *
 * @param queue - The events of one read, changed in place: what is left is valid.
 * @param settings - The request's schema settings.
 * @param url - The redacted URL, for errors.
 * @param log - The request's debug log.
 * @returns The error of the first invalid event when they are not skipped; the queue then
 * holds the valid events before it.
 */
export async function validateEvents(
  queue: UpstreamEvent[],
  settings: ResolvedSchema,
  url: string,
  log: Log | undefined
): Promise<SseInvalidEventError | undefined> {
  const validate = settings.schema['~standard'].validate
  let kept = 0
  for (const event of queue) {
    let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>
    try {
      result = validate(JSON.parse(event.data))
    } catch (error) {
      result = { issues: [{ message: `its data is not JSON (${(error as Error).message})` }] }
    }
    if (result instanceof Promise) result = await result
    if (result.issues === undefined) {
      queue[kept++] = { ...event, data: result.value } as unknown as UpstreamEvent
      continue
    }
    log?.('invalid-event', { type: event.event ?? 'message', issues: result.issues.length })
    if (!settings.skipInvalid) {
      queue.length = kept
      return new SseInvalidEventError(event, result.issues, url)
    }
  }
  queue.length = kept
  return undefined
}
