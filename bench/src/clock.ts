/**
 * Microseconds on the system's monotonic clock. Every process on the machine reads the same
 * clock (`CLOCK_MONOTONIC` on Linux), so a time stamp written by one process can be compared
 * with the time another process receives it.
 *
 * @returns The time in microseconds.
 */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n)
}
