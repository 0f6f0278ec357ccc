import { describe, expect, it } from 'vitest'
import { watchEnd, type EndWatcher } from './response-end.js'

/** A response whose `end` records its calls, and the order of everything around them. */
function response(log: string[]): { end: (...args: unknown[]) => unknown } {
  return {
    end(...args: unknown[]) {
      log.push(`end(${args.join(',')})`)
      return this
    },
  }
}

function watcher(log: string[], name: string): EndWatcher {
  return {
    beforeEnd: () => log.push(`${name} before`),
    afterEnd: () => log.push(`${name} after`),
  }
}

describe('watchEnd', () => {
  it('runs the hooks around the real end, with its arguments, this and result', () => {
    const log: string[] = []
    const res = response(log)
    watchEnd(res, watcher(log, 'a'))
    expect(res.end('x', 'utf8')).toBe(res)
    expect(log).toEqual(['a before', 'end(x,utf8)', 'a after'])
  })

  it('runs a second watcher of the same response too, outside the first', () => {
    const log: string[] = []
    const res = response(log)
    watchEnd(res, watcher(log, 'a'))
    watchEnd(res, watcher(log, 'b'))
    res.end()
    expect(log).toEqual(['b before', 'a before', 'end()', 'a after', 'b after'])
  })

  it('runs both when middleware wrapped the watched end before the second watch', () => {
    const log: string[] = []
    const res = response(log)
    watchEnd(res, watcher(log, 'a'))
    // What compression middleware does: keep the current `end` and call it from its own.
    const watched = res.end
    res.end = function (this: unknown, ...args: unknown[]) {
      log.push('middleware')
      return watched.apply(this, args)
    }
    watchEnd(res, watcher(log, 'b'))
    res.end()
    expect(log).toEqual(['b before', 'middleware', 'a before', 'end()', 'a after', 'b after'])
  })
})
