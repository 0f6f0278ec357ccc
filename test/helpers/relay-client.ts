import {
  createRelayHub,
  createSseStream,
  type Relay,
  type RelayHub,
  type RelayHubOptions,
  type RelayProducerContext,
  type SseStream,
} from '@ssekit/core'
import type { SinkListener, SseSink } from '@ssekit/core/adapter'
import { latch } from '@ssekit/test-helpers/latch'
import { afterEach } from 'vitest'

/** A client: what reached it, as the frames the stream wrote, and how its response ended. */
export interface Client {
  readonly stream: SseStream
  /** `open`, each frame written, then `end`, `abort` or `204`. */
  readonly io: string[]
  /** The client goes away. */
  leave(): void
}

export function client(lastEventId?: string): Client {
  const io: string[] = []
  let listener: SinkListener | undefined
  const sink: SseSink = {
    keepAlive: true,
    lastEventId,
    bufferedBytes: 0,
    connect: (connected) => {
      listener = connected
    },
    open: () => io.push('open'),
    noContent: () => io.push('204'),
    write: (text) => io.push(text) > 0,
    end: (abort) => io.push(abort ? 'abort' : 'end'),
    whenClosed: () => Promise.resolve(),
  }
  return { stream: createSseStream(sink, { heartbeat: 0 }), io, leave: () => listener?.onClose() }
}

/** The ids of the events a client received, in order (a write may hold several frames). */
export function ids(io: readonly string[]): string[] {
  return io.flatMap((frames) => [...frames.matchAll(/^id: (.*)$/gm)].map((match) => match[1]!))
}

/** A producer that sends what the test tells it to, and ends when told. */
export interface Controlled {
  producer: (relay: RelayProducerContext) => Promise<void>
  send: (data: string) => Promise<void>
  finish: () => void
  signal: () => AbortSignal
}

/** @returns A producer that sends what the test tells it to, and ends when told. */
export function controlled(): Controlled {
  let context: RelayProducerContext | undefined
  const started = latch()
  const finished = latch()
  return {
    producer: async (relay) => {
      context = relay
      started.open()
      await Promise.race([
        finished.promise,
        new Promise((resolve) => relay.signal.addEventListener('abort', resolve)),
      ])
    },
    send: async (data) => {
      await started.promise
      await context!.send({ data })
    },
    finish: () => finished.open(),
    signal: () => context!.signal,
  }
}

/**
 * Relay hubs for a test file, each closed after its test; call at the file's top level.
 *
 * @returns Creates a hub.
 */
export function relayHubs(): (options?: RelayHubOptions) => RelayHub {
  const hubs: RelayHub[] = []
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((hub) => hub.close()))
  })
  return (options) => {
    const hub = createRelayHub(options)
    hubs.push(hub)
    return hub
  }
}

/**
 * Starts a relay of a {@link controlled} producer and has it send events `1` to `count`.
 *
 * @param hub - Where it runs.
 * @param count - Events sent before it returns.
 * @returns The relay and its producer.
 */
export async function runningRelay(
  hub: RelayHub,
  count = 0
): Promise<{ relay: Relay; job: Controlled }> {
  const job = controlled()
  const relay = await hub.start(job.producer)
  for (let n = 1; n <= count; n++) await job.send(String(n))
  return { relay, job }
}
