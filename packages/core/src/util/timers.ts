/**
 * Node's largest timer delay, 2³¹ − 1 ms (about 24.8 days). A longer delay does not wait
 * longer: Node fires the timer after 1 ms and only prints a warning, so options that become
 * timers are checked against it.
 */
export const MAX_TIMER_MS: number = 2 ** 31 - 1

/**
 * Keeps a timer from holding the process open, where timers are objects (Node, Bun, Deno);
 * elsewhere a timer is a number and this does nothing.
 *
 * @param timer - What `setTimeout` or `setInterval` returned.
 * @returns The same timer.
 */
export function unref<Timer>(timer: Timer): Timer {
  ;(timer as { unref?: () => void }).unref?.()
  return timer
}

/**
 * `true` on Cloudflare Workers, where every timer belongs to the request that set it: it is
 * cancelled when that request ends, and it must not write to another request's response. A
 * timer shared by the streams of several requests would stop, or write across requests, so
 * there each stream keeps timers of its own.
 */
export const timersPerRequest: boolean =
  (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent ===
  'Cloudflare-Workers'
