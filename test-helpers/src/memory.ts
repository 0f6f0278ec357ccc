import v8 from 'node:v8'
import vm from 'node:vm'

// Lets a test run the garbage collector without starting Node with --expose-gc.
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

/** Runs a full garbage collection. */
export function collectGarbage(): void {
  gc()
}

/**
 * Memory that grows with what a server holds for its clients, after full garbage collections:
 * the JavaScript heap plus memory outside it (`external` includes every Buffer and the large
 * strings decoded from them).
 *
 * @returns Bytes in use.
 */
export function usedMemory(): number {
  // One collection finds the garbage; the memory outside the heap that it held (Buffers, large
  // decoded strings) is released after it, by the time a second one ends. With one, Node 24
  // reported up to 60 MiB of such memory as still in use.
  gc()
  gc()
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

/**
 * Whether the object a reference points to is collected within a few turns of the event loop:
 * an object a `WeakRef` was made of, or read from, in this turn stays until the turn is over.
 *
 * @param ref - A reference to the object.
 * @returns `true` once it is gone.
 */
export async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let turn = 0; turn < 5 && ref.deref() !== undefined; turn++) {
    await new Promise((resolve) => setImmediate(resolve))
    gc()
  }
  return ref.deref() === undefined
}
