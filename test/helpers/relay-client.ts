import { createSseStream, type RelayProducerContext, type SseStream } from '@ssekit/core'
import type { SinkListener, SseSink } from '@ssekit/core/adapter'
import { latch } from '@ssekit/test-helpers/latch'

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
export function controlled(): {
  producer: (relay: RelayProducerContext) => Promise<void>
  send: (data: string) => Promise<void>
  finish: () => void
  signal: () => AbortSignal
} {
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
