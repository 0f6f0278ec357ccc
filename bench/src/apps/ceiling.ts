import type { IncomingMessage, ServerResponse } from 'node:http'
import { drained, pathOf, payload, SSE_HEADERS, streamParams, type AppFactory } from '../app.js'

/** How many bytes of frames the ceiling joins before one `res.write`. */
const CHUNK_BYTES = 64 * 1024

/**
 * The ceiling: `node:http` writing preformatted frames joined into 64 KiB chunks, so the cost
 * per event is little more than building its frame. No library that writes what it is given
 * when it is given can go faster; the ratios to it say how much of the way there a contender
 * is.
 */
export const ceiling: AppFactory = () => ({
  listener: (req, res) => {
    if (pathOf(req.url) === '/stream') return void writeJoined(req, res)
    res.writeHead(404).end()
  },
})

async function writeJoined(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { n, size } = streamParams(req.url)
  const data = payload(size)
  res.writeHead(200, SSE_HEADERS)
  res.flushHeaders()
  let chunk = ''
  for (let i = 0; i < n; i++) {
    chunk += `id: ${i}\ndata: ${data}\n\n`
    if (chunk.length < CHUNK_BYTES && i < n - 1) continue
    const written = res.write(chunk)
    chunk = ''
    if (!written && !(await drained(res))) return
  }
  res.end()
}
