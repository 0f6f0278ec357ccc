/** The part of a Node response whose `end` can be watched. */
export interface EndableResponse {
  end: (...args: unknown[]) => unknown
}

/** What runs around every call of a watched response's `end`. */
export interface EndWatcher {
  /** Runs first, while the response can still be written to. */
  beforeEnd?(): void
  /** Runs once the response has ended. */
  afterEnd(): void
}

/** The watcher of a response, and the `end` it had before, kept on the response itself. */
const watcherKey = Symbol('ssekit.endWatcher')
const unwatchedEndKey = Symbol('ssekit.unwatchedEnd')

interface WatchedResponse extends EndableResponse {
  [watcherKey]: EndWatcher | undefined
  [unwatchedEndKey]: (...args: unknown[]) => unknown
}

/**
 * The `end` of every watched response: one function for all of them, which finds its watcher
 * on the response, so that an open stream costs no function of its own.
 */
function watchedEnd(this: WatchedResponse, ...args: unknown[]): unknown {
  const watcher = this[watcherKey]
  watcher?.beforeEnd?.()
  const result = this[unwatchedEndKey](...args)
  watcher?.afterEnd()
  return result
}

/**
 * Makes every call of `res.end`, whoever makes it, run the watcher's hooks around the real
 * `end`: an app may end a response (Express's `res.end()`, Koa's `ctx.res.end()`) while a
 * stream still writes to it, and a write after the end would be an `'error'` nobody handles.
 * The method is replaced on the object itself, wrapping whatever `end` it had (compression
 * middleware's own, for instance), so methods like `res.send` that call `this.end` are covered
 * too.
 *
 * Node's public events come too late for this: `'finish'` and `'close'` fire in a later tick,
 * after the end was sent, when the frames the stream batched for the end of the turn can no
 * longer precede it, and until then the stream would look open (its signal not aborted, its
 * sends accepted). No documented event fires within `end` itself.
 *
 * @param res - The response.
 * @param watcher - What to run before and after the end.
 */
export function watchEnd(res: EndableResponse, watcher: EndWatcher): void {
  const response = res as WatchedResponse
  if (response[watcherKey] === undefined) {
    response[unwatchedEndKey] = response.end
    response[watcherKey] = watcher
    response.end = watchedEnd
    return
  }
  // Watched already (by another sink): this watcher wraps the `end` the response has now.
  const end = response.end
  response.end = function (this: unknown, ...args: unknown[]): unknown {
    watcher.beforeEnd?.()
    const result = end.apply(this, args)
    watcher.afterEnd()
    return result
  }
}
