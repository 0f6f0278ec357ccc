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
 * Memory that grows with what a server holds for its clients, after a full garbage
 * collection: the JavaScript heap plus memory outside it (`external` includes every Buffer).
 *
 * @returns Bytes in use.
 */
export function usedMemory(): number {
  gc()
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}
