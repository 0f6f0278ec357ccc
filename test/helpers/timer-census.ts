/** Timers created with chosen delays and not yet cleared or fired. */
export interface TimerCensus {
  /** How many of the counted timers are live now. */
  live(): number
  /** The most that were live at once. */
  peak(): number
  /** How many were created in all. */
  created(): number
  /** Puts the global timer functions back. */
  restore(): void
}

type Timer = ReturnType<typeof setTimeout>

/** Delays from `low` to `high` ms, both included. */
export type DelayRange = readonly [low: number, high: number]
type Callback = (...args: unknown[]) => void

/**
 * Counts the timers created through the global `setTimeout` and `setInterval` with one of
 * `delays`, until they are cleared (or, for a timeout, fire). Give the code under test
 * delays nothing else uses, so unrelated timers (the HTTP client's, the test runner's) are
 * never counted. The global functions are wrapped rather than spied on, so that thousands of
 * calls leave no record behind in memory.
 *
 * @param delays - The delays to count, in milliseconds, or ranges of them (for jittered delays).
 * @returns The census; call `restore()` when done.
 */
export function countTimers(delays: readonly (number | DelayRange)[]): TimerCensus {
  const exact = new Set(delays.filter((delay) => typeof delay === 'number'))
  const ranges = delays.filter((delay) => typeof delay !== 'number')
  const counted = {
    has: (ms: number): boolean =>
      exact.has(ms) || ranges.some(([low, high]) => ms >= low && ms <= high),
  }
  const live = new Set<Timer>()
  let peak = 0
  let created = 0
  const real = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
  }
  const track = (timer: Timer): void => {
    created++
    live.add(timer)
    peak = Math.max(peak, live.size)
  }
  const forget = (timer: unknown): void => {
    live.delete(timer as Timer)
  }
  globalThis.setTimeout = ((callback: Callback, ms?: number, ...args: unknown[]) => {
    if (ms === undefined || !counted.has(ms)) return real.setTimeout(callback, ms, ...args)
    const timer: Timer = real.setTimeout(() => {
      live.delete(timer)
      callback(...args)
    }, ms)
    track(timer)
    return timer
  }) as typeof setTimeout
  globalThis.setInterval = ((callback: Callback, ms?: number, ...args: unknown[]) => {
    const timer = real.setInterval(callback, ms, ...args)
    if (ms !== undefined && counted.has(ms)) track(timer)
    return timer
  }) as typeof setInterval
  globalThis.clearTimeout = ((timer: Timer | undefined) => {
    forget(timer)
    real.clearTimeout(timer)
  }) as typeof clearTimeout
  globalThis.clearInterval = ((timer: Timer | undefined) => {
    forget(timer)
    real.clearInterval(timer)
  }) as typeof clearInterval
  return {
    live: () => live.size,
    peak: () => peak,
    created: () => created,
    restore: () => {
      Object.assign(globalThis, real)
    },
  }
}
