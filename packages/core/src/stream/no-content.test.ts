import { afterEach, describe, expect, it } from 'vitest'
import { listen, type Listening } from '@ssekit/test-helpers/listen'
import { createNodeSink } from '../sink/node-sink.js'
import { createWebSink } from '../sink/web-sink.js'
import { createSseStream, type SseStream } from './stream.js'

let served: Listening | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

async function serve(route: (stream: SseStream) => void): Promise<string> {
  served = await listen((req, res) => {
    route(createSseStream(createNodeSink(req, res)))
  })
  return served.url
}

describe('stream.noContent()', () => {
  it('answers 204 with no body on a stream that has not started', async () => {
    const results: boolean[] = []
    const url = await serve((stream) => {
      results.push(stream.noContent())
      results.push(stream.clientDisconnected)
    })
    const response = await fetch(url)
    expect(response.status).toBe(204)
    expect(response.headers.get('content-type')).toBeNull()
    expect(await response.text()).toBe('')
    expect(results).toEqual([true, true])
  })

  it('closes a stream that has started, sending nothing more', async () => {
    const results: boolean[] = []
    const url = await serve((stream) => {
      void stream.send({ data: 'first' }).then(() => results.push(stream.noContent()))
    })
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('data: first\n\n')
    expect(results).toEqual([false])
  })

  it('marks a web sink as answered 204, with no headers to serve', () => {
    const opened: string[] = []
    const sink = createWebSink(undefined, { onOpen: () => opened.push('open') })
    const stream = createSseStream(sink)
    expect(stream.noContent()).toBe(true)
    expect(sink.answeredNoContent).toBe(true)
    expect(sink.headers).toBeUndefined()
    expect(opened).toEqual([])
  })

  it('tells onOpen of a web sink when the stream starts', () => {
    const opened: unknown[] = []
    const sink = createWebSink(undefined, { onOpen: () => opened.push(sink.headers) })
    createSseStream(sink).init()
    expect(opened).toEqual([sink.headers])
    expect(() => createWebSink(undefined, { onOpen: 1 as never })).toThrow(/"onOpen"/)
  })
})
