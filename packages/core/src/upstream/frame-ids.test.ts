import { afterEach, describe, expect, it } from 'vitest'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { sseRequest } from './request.js'

let upstream: Upstream | undefined
afterEach(async () => {
  await upstream?.close()
  upstream = undefined
})

describe('a frame with an id and no data', () => {
  it.each([
    ['after an event', 'id: 1\ndata: a\n\nid: 2\n\n', '2'],
    ['cut across writes', 'id: 1\ndata: a\n\ni|d: |2\r|\n\r|\n', '2'],
    ['that resets the id', 'id: 1\ndata: a\n\nid\n\n', undefined],
    ['left unfinished by the drop', 'id: 1\ndata: a\n\nid: 2\n', '1'],
  ])('%s sets the id the reconnection sends', async (_, body, expected) => {
    upstream = await startUpstream(async (call) => {
      if (call.headers['last-event-id'] !== undefined || upstream?.calls.length === 2) {
        call.open(204, {})
        call.end()
        return
      }
      for (const piece of body.split('|')) await call.write(piece)
      call.end()
    })
    const { events } = await sseRequest({ url: upstream.url, reconnect: { initialDelay: 1 } })
    expect(events).toEqual([{ id: '1', data: 'a' }])
    const calls = upstream.calls
    expect(calls).toHaveLength(2)
    expect(calls[1]?.headers['last-event-id']).toBe(expected)
  })
})
