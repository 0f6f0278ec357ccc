import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { drained, payload, SSE_HEADERS, streamParams } from './app.js'
import { nowMicros } from './clock.js'
import { answerCalls } from './ipc.js'

/**
 * The upstream of the relay scenario: `GET /events?n=N&size=S&interval=MS` sends N events
 * whose data is `<index> <send time in µs> <padding>`, as fast as backpressure allows
 * (interval 0) or one every `interval` ms, then ends.
 */
const server = http.createServer((req, res) => {
  const { n, size } = streamParams(req.url)
  const interval = Number(new URL(req.url ?? '/', 'http://bench').searchParams.get('interval'))
  const pad = payload(size)
  const frame = (i: number): string => `id: ${i}\ndata: ${i} ${nowMicros()} ${pad}\n\n`
  res.writeHead(200, SSE_HEADERS)
  res.flushHeaders()
  if (interval > 0) {
    let i = 0
    const timer = setInterval(() => {
      if (i === n || res.destroyed) {
        clearInterval(timer)
        res.end()
        return
      }
      res.write(frame(i++))
    }, interval)
    // A client that leaves an idle stream takes its timer along.
    res.on('close', () => clearInterval(timer))
    return
  }
  void (async () => {
    for (let i = 0; i < n; i++) if (!res.write(frame(i)) && !(await drained(res))) return
    res.end()
  })()
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
answerCalls({ port: () => (server.address() as AddressInfo).port })
