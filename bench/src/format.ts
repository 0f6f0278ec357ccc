import type { Spread } from './stats.js'

/**
 * @param value - A number.
 * @param digits - Significant digits.
 * @returns It with a k/M suffix above a thousand.
 */
export function num(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '–'
  const abs = Math.abs(value)
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(digits)}M`
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(digits)}k`
  return abs >= 100 ? value.toFixed(0) : value.toPrecision(digits)
}

/**
 * @param spread - A repeated measurement.
 * @param unit - Appended to each number.
 * @returns `median (min–max)`, or the median alone when there was one measurement.
 */
export function range(spread: Spread, unit = ''): string {
  if (spread.min === spread.max) return `${num(spread.median)}${unit}`
  return `${num(spread.median)}${unit} (${num(spread.min)}–${num(spread.max)})`
}

/**
 * @param spread - Per-round ratios to the reference.
 * @returns `0.93×`, with the range of the rounds.
 */
export function ratio(spread: Spread): string {
  const fixed = (value: number): string => value.toFixed(2)
  if (spread.min === spread.max) return `${fixed(spread.median)}×`
  return `${fixed(spread.median)}× (${fixed(spread.min)}–${fixed(spread.max)})`
}

/**
 * @param bytes - A size.
 * @returns It in KB (1000 bytes) with one decimal, or MB above 10 MB.
 */
export function kb(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–'
  if (Math.abs(bytes) >= 1e7) return `${(bytes / 1e6).toFixed(1)} MB`
  return `${(bytes / 1e3).toFixed(1)} KB`
}
