import { vi } from 'vitest'

/** The timers of one delay set since {@link watchTimers} was called. */
export interface WatchedTimers {
  /** How many were set. */
  readonly set: number
  /** How many are still pending: neither cleared nor fired. */
  readonly pending: number
}

/**
 * Watches the timers set for exactly `delay` ms from now on, through spies on `setTimeout`
 * and `clearTimeout` (restore them with `vi.restoreAllMocks()`). Unlike counting the active
 * handles, it cannot be misled by other timers expiring meanwhile.
 *
 * @param delay - The delay that identifies the timers of interest.
 */
export function watchTimers(delay: number): WatchedTimers {
  const pending = new Set<unknown>()
  let set = 0
  const setTimer = globalThis.setTimeout
  const clearTimer = globalThis.clearTimeout
  vi.spyOn(globalThis, 'setTimeout').mockImplementation((callback: () => void, ms?: number) => {
    const timer = setTimer(() => {
      pending.delete(timer)
      callback()
    }, ms)
    if (ms === delay) {
      set++
      pending.add(timer)
    }
    return timer
  })
  vi.spyOn(globalThis, 'clearTimeout').mockImplementation((timer) => {
    pending.delete(timer)
    clearTimer(timer)
  })
  return {
    get set() {
      return set
    },
    get pending() {
      return pending.size
    },
  }
}
