import { createChannel } from '@ssekit/core'
import { afterEach, describe, expect, it } from 'vitest'
import { adapterApps, type App } from './helpers/apps.js'
import { waitFor } from '@ssekit/test-helpers/listen'
import { readEvents, type EventReader } from '@ssekit/test-helpers/read-events'

describe.each(adapterApps)('a channel behind $name', (adapter) => {
  let app: App | undefined
  const clients: AbortController[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.abort()
    await app?.close()
    app = undefined
  })

  async function open(url: string, headers: Record<string, string> = {}): Promise<EventReader> {
    const abort = new AbortController()
    clients.push(abort)
    const response = await fetch(url, { headers, signal: abort.signal })
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    return readEvents(response.body!)
  }

  it('subscribes the route’s stream, replays on reconnect, and lets it go on disconnect', async () => {
    const channel = createChannel('news')
    // The same route for every framework: the subscription lasts as long as the stream.
    app = await adapter.serve((stream) => channel.subscribe(stream).closed)
    const first = await open(app.events)
    await waitFor(() => channel.size === 1, 5000, 'the subscription')
    const { id } = await channel.broadcast({ event: 'headline', data: { title: 'one' } })
    expect(await first.event(0)).toEqual({ event: 'headline', id, data: '{"title":"one"}' })
    await first.cancel()
    await waitFor(() => channel.size === 0, 5000, 'the stream to leave')
    await channel.broadcast({ data: 'two' })
    const again = await open(app.events, { 'last-event-id': id! })
    await waitFor(() => channel.size === 1, 5000, 'the new subscription')
    await channel.broadcast({ data: 'three' })
    await again.event(1)
    expect(again.events.map((event) => event.data)).toEqual(['two', 'three'])
    expect(app.errors).toEqual([])
  })
})
