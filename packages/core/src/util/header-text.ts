/** Rejects invalid UTF-8 instead of replacing it, and keeps a leading BOM as a character. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

// eslint-disable-next-line no-control-regex -- ASCII reads the same in every decoding.
const NON_ASCII = /[^\x00-\x7f]/

/**
 * Decodes a request header's value as the UTF-8 the client sent. Header values are bytes;
 * Node, and `Headers.get` as the Fetch standard defines it, give each byte as one character
 * (latin1), so a browser's `Last-Event-ID` of `café-1` reads `cafÃ©-1`. The value is decoded
 * only when it is such a byte string and its bytes are valid UTF-8; any other value is
 * returned as is, so a string that was already decoded is never decoded twice.
 *
 * @param value - The header value as the runtime gave it.
 * @returns The characters the client meant.
 */
export function decodeHeaderText(value: string): string {
  if (!NON_ASCII.test(value)) return value
  const bytes = new Uint8Array(value.length)
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    // Not one byte per character: the runtime decoded it already.
    if (code > 0xff) return value
    bytes[i] = code
  }
  try {
    return strictUtf8.decode(bytes)
  } catch {
    // Not UTF-8: the client meant latin1, or sent bytes of no encoding at all.
    return value
  }
}
