/** A promise the test settles by hand, to hold a route or an upstream at a known point. */
export interface Latch {
  readonly promise: Promise<void>
  /** Settles `promise`. */
  open: () => void
}

/** Creates a closed {@link Latch}. */
export function latch(): Latch {
  let open!: () => void
  const promise = new Promise<void>((resolve) => (open = resolve))
  return { promise, open }
}
