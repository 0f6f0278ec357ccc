import { describe, expect, it } from 'vitest'
import { resolveStreamOptions } from './options.js'
import { createSseStream } from './stream.js'
import { createWebSink } from '../sink/web-sink.js'

/** Extra response headers of a stream, and whether the options take them. */
const streamHeaders: { name: string; value: string; refused: boolean }[] = [
  { name: 'Content-Length', value: '0', refused: true },
  { name: 'content-length', value: '100', refused: true },
  { name: 'CONTENT-LENGTH', value: '7', refused: true },
  { name: 'Transfer-Encoding', value: 'chunked', refused: true },
  { name: 'transfer-encoding', value: 'identity', refused: true },
  { name: 'Transfer-encoding', value: 'gzip, chunked', refused: true },
  { name: 'Content-Type', value: 'text/event-stream', refused: false },
  { name: 'Cache-Control', value: 'no-store', refused: false },
  { name: 'X-Content-Length', value: '5', refused: false },
  { name: 'Content-Language', value: 'en', refused: false },
]

describe('the headers option of a stream', () => {
  it.each(streamHeaders)('$name: $value (refused: $refused)', ({ name, value, refused }) => {
    const headers = { 'X-Before': 'ok', [name]: value }
    const inFactory = (): unknown => resolveStreamOptions({ headers })
    const inInit = (): unknown => createSseStream(createWebSink()).init({ headers })
    if (refused) {
      const message = new RegExp(`^The header "${name}" in "headers" frames the body`)
      expect(inFactory).toThrow(TypeError)
      expect(inFactory).toThrow(message)
      expect(inInit).toThrow(TypeError)
      expect(inInit).toThrow(message)
    } else {
      expect(resolveStreamOptions({ headers }).headers).toEqual(headers)
      const sink = createWebSink()
      createSseStream(sink).init({ headers })
      expect(sink.headers).toMatchObject(headers)
    }
  })
})
