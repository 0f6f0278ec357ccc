import { createChannel, type Channel, type SendResult, type SseStream } from '@ssekit/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { adapterApps, type AdapterApp, type App, type Route } from './helpers/apps.js'
import { latch } from '@ssekit/test-helpers/latch'
import { waitFor } from '@ssekit/test-helpers/listen'
import { rawGet, type RawClient } from '@ssekit/test-helpers/raw-client'
import { eventClientsPerTest } from '@ssekit/test-helpers/read-events'
import { streamEnded } from '@ssekit/test-helpers/stream-end'

/** Short, so that a few heartbeat ticks pass quickly after the response ended. */
const HEARTBEAT = 40
const KIB = 'x'.repeat(1024)
/** The request header that makes the route hold an idle stream, subscribed to the channel. */
const WITNESS = 'Last-Event-ID: witness'

/** What the route saw when it ended the response behind its stream. */
interface Ending {
  readonly stream: SseStream
  /** The send that was waiting for the client when the response was ended. */
  readonly waiting: Promise<SendResult>
  /** `stream.signal.aborted` right after the end. */
  readonly abortedAtEnd: boolean
}

/** Whether a promise is still pending once those already settled have run their reactions. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = {}
  return (await Promise.race([promise, Promise.resolve(marker)])) === marker
}

/** How many heartbeat comments arrived after the first `from` characters of the body. */
function heartbeatsAfter(client: RawClient, from: number): number {
  return client.body().slice(from).split(':\n\n').length - 1
}

describe.each(adapterApps)('$name: an app that ends the response itself', (adapter: AdapterApp) => {
  const cleanups: (() => unknown)[] = []
  /** Errors nobody handled: each would have taken the process down. */
  const uncaught: unknown[] = []
  const record = (error: unknown): void => {
    uncaught.push(error)
  }
  const open = eventClientsPerTest()

  beforeEach(() => {
    process.on('uncaughtException', record)
  })
  afterEach(async () => {
    process.off('uncaughtException', record)
    uncaught.length = 0
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function serve(route: Route): Promise<App> {
    const app = await adapter.serve(route, { options: { heartbeat: HEARTBEAT } })
    cleanups.push(() => app.close())
    return app
  }

  /** A client holding an idle stream of the same app, subscribed to `channel`. */
  async function witness(app: App): Promise<RawClient> {
    const client = rawGet(app.events, [WITNESS])
    cleanups.push(() => client.socket.destroy())
    await client.until('\r\n\r\n')
    return client
  }

  /** Holds the witness's stream, subscribed to `channel`, until it ends. */
  function holdWitness(stream: SseStream, channel: Channel): Promise<void> {
    channel.subscribe(stream, { lastEventId: null })
    return streamEnded(stream)
  }

  it('ends the stream at once while a slow client still has bytes to read', async () => {
    const channel = createChannel('ended-slow')
    let ending: Ending | undefined
    const app = await serve(async (stream, response) => {
      if (stream.lastEventId === 'witness') return holdWitness(stream, channel)
      channel.subscribe(stream, { lastEventId: null })
      // Sends of 1 KiB until the client, which stopped reading, pushes back.
      for (;;) {
        const sent = stream.send({ data: KIB })
        if (await isPending(sent)) {
          response.end()
          ending = { stream, waiting: sent, abortedAtEnd: stream.signal.aborted }
          return streamEnded(stream)
        }
        await sent
      }
    })
    const watcher = await witness(app)
    const slow = rawGet(app.events)
    cleanups.push(() => slow.socket.destroy())
    await slow.until('\r\n\r\n')
    slow.socket.pause()

    const { stream, waiting, abortedAtEnd } = await waitFor(() => ending, 10_000, 'the end')
    expect(abortedAtEnd).toBe(true)
    expect(stream.clientDisconnected).toBe(true)
    expect(await waiting).toEqual({ clientDisconnected: true })
    expect(await stream.send({ data: 'after the end' })).toEqual({ clientDisconnected: true })
    // The ended stream left the channel; a broadcast still reaches everyone else.
    expect(channel.size).toBe(1)
    await channel.broadcast({ event: 'after-end', data: 'x' })
    await watcher.until('event: after-end')
    // Heartbeat ticks pass: the witness gets its comments, the ended stream writes nothing.
    const mark = watcher.body().length
    await waitFor(() => heartbeatsAfter(watcher, mark) >= 2, 5000, 'two heartbeats')
    expect(uncaught).toEqual([])
  })

  it('resolves a send made in the same turn as the end as not sent', async () => {
    const firstArrived = latch()
    let late: { result: SendResult; aborted: boolean } | undefined
    const app = await serve(async (stream, response) => {
      await stream.send({ data: 'first' })
      await firstArrived.promise
      response.end()
      const result = await stream.send({ data: 'late' })
      late = { result, aborted: stream.signal.aborted }
    })
    const { reader } = await open(app.events)
    expect(await reader.event(0)).toMatchObject({ data: 'first' })
    firstArrived.open()
    await reader.ended
    const { result, aborted } = await waitFor(() => late, 5000, 'the late send')
    expect(result).toEqual({ clientDisconnected: true })
    expect(aborted).toBe(true)
    expect(reader.events.map((event) => event.data)).toEqual(['first'])
    expect(uncaught).toEqual([])
  })
})
