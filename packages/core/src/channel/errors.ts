/** Milliseconds between two reports of the same kind of backplane failure. */
const REPORT_INTERVAL_MS = 1000

interface LastReport {
  readonly at: number
  suppressed: number
}

/**
 * Reports a channel's failures to its `onError` without flooding it: the filter failures of
 * one delivery (a broadcast to every subscriber, a replay) as one error with their count, and
 * each kind of backplane failure at most once per {@link REPORT_INTERVAL_MS}, with the count of
 * those left out. Every error reported has a message that says what failed.
 */
export class ChannelErrors {
  readonly #name: string
  readonly #onError: (error: unknown) => void
  #filterFailures = 0
  #firstFilterError: unknown
  readonly #lastReports = new Map<string, LastReport>()

  /**
   * @param name - The channel's name, for messages.
   * @param onError - The channel's error handler.
   */
  constructor(name: string, onError: (error: unknown) => void) {
    this.#name = name
    this.#onError = onError
  }

  /**
   * A subscriber's filter threw (the message is not sent to that subscriber). The failures of
   * one synchronous delivery are reported together, once it is done.
   *
   * @param error - What the filter threw.
   */
  filterThrew(error: unknown): void {
    if (this.#filterFailures++ > 0) return
    this.#firstFilterError = error
    queueMicrotask(this.#reportFilterFailures)
  }

  /**
   * The backplane failed at something; reported unless the same kind was reported less than
   * {@link REPORT_INTERVAL_MS} ago.
   *
   * @param what - What failed, e.g. `'broadcast'`.
   * @param error - The backplane's error.
   */
  failed(what: string, error: unknown): void {
    const now = Date.now()
    const last = this.#lastReports.get(what)
    if (last !== undefined && now - last.at < REPORT_INTERVAL_MS) {
      last.suppressed++
      return
    }
    this.#lastReports.set(what, { at: now, suppressed: 0 })
    const suppressed = last?.suppressed ?? 0
    if (suppressed === 0 && error instanceof Error && error.message !== '') {
      this.#deliver(error)
      return
    }
    const times = suppressed === 0 ? '' : ` (and ${suppressed} more times since the last report)`
    this.#deliver(
      new Error(`Channel "${this.#name}": ${what} failed${times}: ${messageOf(error)}`, {
        cause: error,
      })
    )
  }

  readonly #reportFilterFailures = (): void => {
    const count = this.#filterFailures
    const cause = this.#firstFilterError
    this.#filterFailures = 0
    this.#firstFilterError = undefined
    const times = count === 1 ? 'once' : `${count} times`
    this.#deliver(
      new Error(
        `Channel "${this.#name}": subscriber filters threw ${times}, and those subscribers did not receive the message (the cause is the first error): ${messageOf(cause)}`,
        { cause }
      )
    )
  }

  #deliver(error: unknown): void {
    try {
      this.#onError(error)
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }
}

/**
 * @param error - Anything thrown.
 * @returns Its message, or what kind of thing it is when it has none.
 */
function messageOf(error: unknown): string {
  if (error instanceof Error) {
    if (error.message !== '') return error.message
    const name = error.name === 'Error' ? error.constructor.name : error.name
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' ? `${name} ${code}` : `${name} without a message`
  }
  return typeof error === 'string' && error !== '' ? error : `${String(error)} was thrown`
}
