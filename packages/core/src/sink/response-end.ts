/** The part of a Node response whose `end` can be watched. */
export interface EndableResponse {
  end(...args: unknown[]): unknown
}

/** What runs around every call of a response's `end`. */
export interface EndHooks {
  /** Runs first, while the response can still be written to. */
  readonly before?: () => void
  /** Runs once the response has ended. */
  readonly after: () => void
}

/**
 * Makes every call of `res.end`, whoever makes it, run `hooks` around the real `end`: an app
 * may end a response (Express's `res.end()`, Koa's `ctx.res.end()`) while a stream still
 * writes to it, and a write after the end would be an `'error'` nobody handles. The method is
 * replaced on the object itself, wrapping whatever `end` it had (compression middleware's own,
 * for instance), so methods like `res.send` that call `this.end` are covered too.
 *
 * Node's public events come too late for this: `'finish'` and `'close'` fire in a later tick,
 * after the end was sent, when the frames the stream batched for the end of the turn can no
 * longer precede it, and until then the stream would look open (its signal not aborted, its
 * sends accepted). No documented event fires within `end` itself.
 *
 * @param res - The response.
 * @param hooks - What to run before and after the end.
 */
export function watchEnd(res: EndableResponse, hooks: EndHooks): void {
  const end = res.end.bind(res)
  const { before, after } = hooks
  res.end = (...args: unknown[]): unknown => {
    before?.()
    const result = end(...args)
    after()
    return result
  }
}
