/**
 * Builds the key of a symbol that the library's own objects use on each other (a stream's
 * `sendFrame`, a group's `addMember`…). Such symbols are registered with `Symbol.for`, so that
 * objects made by two copies of `@ssekit/core` in one process (its ESM and CommonJS builds,
 * loaded through different paths) still work together. The key carries the version of these
 * internal methods: copies whose internals differ do not match, and the checks then say that
 * two copies are loaded.
 *
 * @param name - The method's name.
 * @returns The key to give `Symbol.for`.
 */
export function internalKey(name: string): string {
  return `ssekit.core.v1.${name}`
}

/**
 * Explains, for an error message, why an object that looks like one of the library's own was
 * refused: it has the public methods but not this copy's internal ones, so it was made by
 * another version of `@ssekit/core` loaded in the same process.
 *
 * @param value - The refused value.
 * @param methods - Public methods the library's object has.
 * @returns A sentence to append to the message, or `''` when the value does not look like one.
 */
export function otherCopyNote(value: unknown, methods: readonly string[]): string {
  if (typeof value !== 'object' || value === null) return ''
  const candidate = value as Partial<Record<string, unknown>>
  if (!methods.every((method) => typeof candidate[method] === 'function')) return ''
  return ' It has the methods of one, so another version of @ssekit/core made it: two versions are loaded in this process. Install one version for the whole app (`npm ls @ssekit/core` lists them).'
}
