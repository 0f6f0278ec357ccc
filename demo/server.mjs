// The ssekit demo: a page with a live stream of ticks that resumes from Last-Event-ID.
import http from 'node:http'
import { createNodeSink, createSseStream } from '@ssekit/core'

const port = Number(process.env.PORT ?? 3000)
const page = `<!doctype html>
<meta charset="utf-8">
<title>ssekit demo</title>
<h1>ssekit demo</h1>
<p>State: <b id="state">connecting</b></p>
<ol id="ticks"></ol>
<script>
  const source = new EventSource('/ticks')
  const state = document.getElementById('state')
  source.onopen = () => (state.textContent = 'open')
  source.onerror = () => (state.textContent = 'reconnecting')
  source.addEventListener('tick', (event) => {
    const item = document.createElement('li')
    item.textContent = 'tick ' + event.lastEventId + ': ' + event.data
    document.getElementById('ticks').prepend(item)
  })
</script>`

const server = http.createServer((req, res) => {
  if (req.url === '/ticks') {
    const stream = createSseStream(createNodeSink(req, res), { retry: 1000 })
    let n = Number(stream.lastEventId ?? 0) || 0
    const timer = setInterval(async () => {
      n++
      const { clientDisconnected } = await stream.send({
        event: 'tick',
        id: String(n),
        data: new Date().toISOString(),
      })
      if (clientDisconnected) clearInterval(timer)
    }, 1000)
    stream.signal.addEventListener('abort', () => clearInterval(timer))
    return
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page)
})

server.listen(port, '127.0.0.1', () => {
  console.log(`ssekit demo: open http://127.0.0.1:${port}/`)
})
