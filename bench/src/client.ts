import { createParser, type EventSourceParser } from 'eventsource-parser'
import { nowMicros } from './clock.js'
import { FrameCounter, RawResponse } from './http-reader.js'
import { answerCalls } from './ipc.js'
import { summarize, type Summary } from './stats.js'
import { churn } from './churn-client.js'
import { rushClose, rushOpen } from './rush-client.js'
import { stormCollect, stormOpen } from './storm-client.js'

/**
 * The client process: raw sockets, counting or parsing what servers send. One process serves
 * every scenario, driven by the orchestrator's calls.
 */

/** Connections are opened this many at a time, within the server's listen backlog. */
const OPENING = 200

interface Target {
  readonly port: number
  readonly path: string
  /** The first event's id, when ids are checked: 0, or 1 for a durable relay's. */
  readonly firstId?: number
}

/** An event's data as the contenders send it: better-sse JSON-encodes strings. */
function unquote(data: string): string {
  return data.startsWith('"') ? (JSON.parse(data) as string) : data
}

/** Reads `<index> <send time µs> …` from an event's data. */
function stamp(data: string): [index: number, sentAt: number] | undefined {
  const match = /^(\d+) (\d+) /.exec(data)
  return match === null ? undefined : [Number(match[1]), Number(match[2])]
}

/** A parsed stream: counts events, checks their ids, measures their latency. */
class EventReader {
  readonly response: RawResponse
  events = 0
  /** Ids were 0, 1, 2… and stamped indexes too, in order. */
  sequential = true
  readonly sizes = new Set<number>()
  readonly latencies: number[] = []
  readonly #parser: EventSourceParser
  #chunkAt = 0
  #nextId = 0
  #nextIndex = 0
  onEvent: ((index: number, latency: number) => void) | undefined

  /**
   * @param target - What to read.
   * @param ids - Whether the events' ids count 0, 1, 2… (not for broadcasts, whose ids are
   * each library's own).
   * @param onEnd - Called when the response ends.
   */
  constructor(target: Target, ids: boolean, onEnd?: (reader: EventReader) => void) {
    this.#nextId = target.firstId ?? 0
    this.#parser = createParser({
      onEvent: ({ event, id, data }) => {
        // A durable relay's final event says how it ended; it is not one of the stream's.
        if (event === 'end') return
        this.events++
        if (ids && id !== String(this.#nextId++)) this.sequential = false
        const text = unquote(data)
        this.sizes.add(text.length)
        const stamped = stamp(text)
        if (stamped === undefined) return
        const [index, sentAt] = stamped
        if (index !== this.#nextIndex++) this.sequential = false
        const latency = this.#chunkAt - sentAt
        this.latencies.push(latency)
        this.onEvent?.(index, latency)
      },
    })
    const decoder = new TextDecoder()
    this.response = new RawResponse(
      target.port,
      target.path,
      {
        onBody: (chunk) => {
          this.#chunkAt = nowMicros()
          this.#parser.feed(decoder.decode(chunk, { stream: true }))
        },
        onEnd: () => onEnd?.(this),
      },
      nowMicros
    )
  }
}

function untilHead(response: RawResponse): Promise<void> {
  return new Promise((resolve) => {
    if (response.status !== 0 || response.ended) resolve()
    else {
      const check = (): void => {
        if (response.status !== 0 || response.ended) resolve()
        else setImmediate(check)
      }
      response.socket.once('data', () => setImmediate(check))
      response.socket.once('close', resolve)
    }
  })
}

/** Opens `count` connections, a batch at a time, and waits for every head. */
async function openMany<T extends { response: RawResponse }>(
  count: number,
  open: (i: number) => T
): Promise<T[]> {
  const all: T[] = []
  for (let from = 0; from < count; from += OPENING) {
    const batch: T[] = []
    for (let i = from; i < Math.min(count, from + OPENING); i++) batch.push(open(i))
    await Promise.all(batch.map((each) => untilHead(each.response)))
    all.push(...batch)
  }
  return all
}

function headsOk(responses: readonly RawResponse[]): number {
  return responses.filter(
    (r) => r.status === 200 && r.contentType.startsWith('text/event-stream') && !r.ended
  ).length
}

const groups = new Map<string, RawResponse[]>()
let stalled: EventReader | undefined
let subscribers: EventReader[] = []
/** Per broadcast index, the latency of each subscriber that received it. */
let deliveries: (number[] | undefined)[] = []
/** Resolves the wait for a broadcast index once every subscriber has it. */
const waiting = new Map<number, () => void>()
/** The client's CPU and the time when the subscribers were all open. */
let subscribed = { cpu: process.cpuUsage(), at: 0 }

function cpuMicros(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since)
  return user + system
}

answerCalls({
  churn,
  stormOpen,
  rushOpen,
  rushClose,
  stormCollect,

  /** Reads a stream to its end, counting frames only. */
  throughput: (target: Target) =>
    new Promise((resolve) => {
      const counter = new FrameCounter()
      const cpu = process.cpuUsage()
      new RawResponse(
        target.port,
        target.path,
        {
          onBody: (chunk) => {
            counter.add(chunk)
          },
          onEnd: (response) => {
            resolve({
              status: response.status,
              bytes: response.bytes,
              frames: counter.frames,
              micros: nowMicros() - response.firstByteAt,
              clientCpu: cpuMicros(cpu),
            })
          },
        },
        nowMicros
      )
    }),

  /** Reads a stream to its end, parsing every event. */
  read: (target: Target) =>
    new Promise((resolve) => {
      const cpu = process.cpuUsage()
      new EventReader(target, true, (reader) => {
        const { response } = reader
        resolve({
          status: response.status,
          contentType: response.contentType,
          events: reader.events,
          sequential: reader.sequential,
          sizes: [...reader.sizes],
          micros: nowMicros() - response.firstByteAt,
          latency: reader.latencies.length > 0 ? summarize(reader.latencies) : undefined,
          clientCpu: cpuMicros(cpu),
        })
      })
    }),

  /** Opens idle connections and keeps them. */
  open: async ({ group, count, ...target }: Target & { group: string; count: number }) => {
    const readers = await openMany(count, () => ({
      response: new RawResponse(target.port, target.path, { onBody: () => undefined }, nowMicros),
    }))
    const responses = readers.map((r) => r.response)
    groups.set(group, responses)
    return { opened: responses.length, ok: headsOk(responses) }
  },

  close: ({ group }: { group: string }) => {
    for (const response of groups.get(group) ?? []) response.socket.destroy()
    groups.delete(group)
  },

  /** Reads `bytes` of a stream, then stops reading it. */
  stall: ({ bytes, ...target }: Target & { bytes: number }) =>
    new Promise((resolve) => {
      const reader = new EventReader(target, true)
      stalled = reader
      const { socket } = reader.response
      const check = (): void => {
        if (reader.response.bytes < bytes && !reader.response.ended) return
        socket.off('data', check)
        socket.pause()
        resolve({ status: reader.response.status, received: reader.response.bytes })
      }
      socket.on('data', check)
    }),

  /** Reads the stalled stream again for a while, then closes it. */
  resume: async ({ ms }: { ms: number }) => {
    const reader = stalled
    if (reader === undefined) throw new Error('nothing is stalled')
    stalled = undefined
    const before = reader.events
    reader.response.socket.resume()
    await new Promise((resolve) => setTimeout(resolve, ms))
    const ended = reader.response.ended
    reader.response.socket.destroy()
    return {
      events: reader.events,
      afterResume: reader.events - before,
      sequential: reader.sequential,
      ended,
    }
  },

  /** Opens subscribers on one or more servers. */
  subscribe: async ({ targets }: { targets: (Target & { count: number })[] }) => {
    deliveries = []
    subscribers = []
    for (const { count, ...target } of targets) {
      subscribers.push(...(await openMany(count, () => new EventReader(target, false))))
    }
    for (const reader of subscribers) {
      reader.onEvent = (index, latency) => {
        const latencies = (deliveries[index] ??= [])
        latencies.push(latency)
        if (latencies.length === subscribers.length) waiting.get(index)?.()
      }
    }
    const responses = subscribers.map((r) => r.response)
    subscribed = { cpu: process.cpuUsage(), at: nowMicros() }
    return { opened: responses.length, ok: headsOk(responses) }
  },

  /** Waits until every subscriber has broadcast `index`, or `timeoutMs` passed. */
  delivered: ({ index, timeoutMs }: { index: number; timeoutMs: number }) =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        waiting.delete(index)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      waiting.set(index, done)
      if (deliveries[index]?.length === subscribers.length) done()
    }),

  /** Summarizes the deliveries of `expect` broadcasts and closes the subscribers. */
  collect: ({ expect }: { expect: number }) => {
    const last: number[] = []
    const all: number[] = []
    for (const latencies of deliveries) {
      if (latencies === undefined) continue
      last.push(Math.max(...latencies))
      all.push(...latencies)
    }
    const result: {
      complete: number
      inOrder: boolean
      last: Summary | undefined
      all: Summary | undefined
      clientBusy: number
    } = {
      complete: subscribers.filter((r) => r.events === expect).length,
      inOrder: subscribers.every((r) => r.sequential),
      last: last.length > 0 ? summarize(last) : undefined,
      all: all.length > 0 ? summarize(all) : undefined,
      clientBusy: cpuMicros(subscribed.cpu) / Math.max(1, nowMicros() - subscribed.at),
    }
    for (const reader of subscribers) reader.response.socket.destroy()
    subscribers = []
    return result
  },
})
