/** Percentiles of a sample. */
export interface Summary {
  readonly count: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/**
 * @param values - A sample.
 * @returns Its size, median, 99th percentile and maximum.
 */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p: number): number =>
    sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ??
    NaN
  return { count: sorted.length, p50: at(50), p99: at(99), max: sorted[sorted.length - 1] ?? NaN }
}

/**
 * @param values - Repeated measurements.
 * @returns Their median.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** A repeated measurement: its median and range. */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}

/**
 * @param values - Repeated measurements.
 * @returns Median, minimum and maximum.
 */
export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
}
