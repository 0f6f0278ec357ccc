/**
 * Counts the UTF-8 bytes of a string without encoding it (no `Buffer` outside Node).
 *
 * @param text - The string.
 * @returns Its length in UTF-8.
 */
export function utf8Length(text: string): number {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) continue
    if (code < 0x800) bytes += 1
    // A surrogate pair: two UTF-16 units, four UTF-8 bytes.
    else if (code >= 0xd800 && code <= 0xdfff) bytes += 1
    else bytes += 2
  }
  return bytes
}
