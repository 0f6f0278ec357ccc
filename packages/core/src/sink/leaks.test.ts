import type { Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { listen, waitFor, type Listening } from '@ssekit/test-helpers/listen'
import { createNodeSink } from './node-sink.js'
import { createSseStream, type SseStream } from '../stream/stream.js'
import { createWebSink } from './web-sink.js'

const CYCLES = 1000
/** A heartbeat interval whose clock ticks at a delay no other code uses (a twentieth of it). */
const HEARTBEAT_MS = 60_340
const HEARTBEAT_TICK_MS = 3017

/**
 * Tracks the heartbeat clocks' interval timers created and not yet cleared, through the
 * global functions the streams call.
 */
function trackHeartbeatTimers(): { live: Set<unknown>; peak: () => number } {
  const live = new Set<unknown>()
  let peak = 0
  const realSet = globalThis.setInterval
  const realClear = globalThis.clearInterval
  const trackingSet = (callback: () => void, ms?: number): NodeJS.Timeout => {
    const timer = realSet(callback, ms)
    if (ms === HEARTBEAT_TICK_MS) {
      live.add(timer)
      peak = Math.max(peak, live.size)
    }
    return timer
  }
  vi.spyOn(globalThis, 'setInterval').mockImplementation(trackingSet)
  vi.spyOn(globalThis, 'clearInterval').mockImplementation(((timer: NodeJS.Timeout) => {
    live.delete(timer)
    realClear(timer)
  }) as typeof clearInterval)
  return { live, peak: () => peak }
}

/** How many listeners each event of an emitter has. */
function listenerCounts(emitter: NodeJS.EventEmitter): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of emitter.eventNames()) counts[String(name)] = emitter.listenerCount(name)
  return counts
}

describe('stream lifecycle', () => {
  let server: Listening | undefined
  afterEach(async () => {
    vi.restoreAllMocks()
    await server?.close()
    server = undefined
  })

  it(`leaves no timer or listener behind after ${CYCLES} Node streams, ended by either side`, async () => {
    const timers = trackHeartbeatTimers()
    const sockets = new Set<Socket>()
    const socketBaseline = new Map<Socket, Record<string, number>>()
    const leftovers: string[] = []
    let ended = 0
    server = await listen((req, res) => {
      const socket = req.socket
      sockets.add(socket)
      if (!socketBaseline.has(socket)) socketBaseline.set(socket, listenerCounts(socket))
      res.once('close', () => setImmediate(check))
      const resBaseline = listenerCounts(res)
      const stream: SseStream = createSseStream(createNodeSink(req, res), {
        heartbeat: HEARTBEAT_MS,
      })
      function check(): void {
        const after = listenerCounts(res)
        for (const [name, count] of Object.entries(after)) {
          if (count > (resBaseline[name] ?? 0)) leftovers.push(`res '${name}': ${count}`)
        }
        ended++
      }
      void stream.send({ data: 'hello' }).then(() => {
        // Even requests close from the server, odd ones wait for the client to leave.
        if (req.url === '/server-closes') stream.close()
      })
    })
    for (let i = 0; i < CYCLES; i++) {
      const serverCloses = i % 2 === 0
      const abort = new AbortController()
      const path = serverCloses ? 'server-closes' : 'client-leaves'
      const response = await fetch(`${server.url}/${path}`, { signal: abort.signal })
      const reader = response.body!.getReader()
      await reader.read()
      if (serverCloses) {
        while (!(await reader.read()).done);
      } else {
        abort.abort()
      }
    }
    await waitFor(() => ended === CYCLES, 10_000, 'every stream to end')
    expect(leftovers).toEqual([])
    // A kept-alive socket served about half the streams: any per-stream leak would pile up.
    for (const socket of sockets) {
      const baseline = socketBaseline.get(socket) ?? {}
      for (const [name, count] of Object.entries(listenerCounts(socket))) {
        expect(count, `socket '${name}' listeners`).toBeLessThanOrEqual(baseline[name] ?? 0)
      }
    }
    expect(timers.peak()).toBe(1)
    expect(timers.live.size).toBe(0)
  })

  it(`leaves no timer behind after ${CYCLES} web streams cancelled by the reader`, async () => {
    const timers = trackHeartbeatTimers()
    const streams: SseStream[] = []
    for (let i = 0; i < CYCLES; i++) {
      const sink = createWebSink()
      const stream = createSseStream(sink, { heartbeat: HEARTBEAT_MS })
      await stream.send({ data: 'hello' })
      const reader = sink.body.getReader()
      await reader.read()
      await reader.cancel()
      streams.push(stream)
    }
    expect(streams.every((stream) => stream.clientDisconnected)).toBe(true)
    expect(streams.every((stream) => stream.signal.aborted)).toBe(true)
    expect(timers.peak()).toBe(1)
    expect(timers.live.size).toBe(0)
  })
})
