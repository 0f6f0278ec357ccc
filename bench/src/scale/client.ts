import { nowMicros } from '../clock.js'
import { RawResponse } from '../http-reader.js'
import { answerCalls } from '../ipc.js'

/**
 * A client process of the scale scenario: up to ~18,000 event streams on raw sockets, all from
 * one loopback source address, reading only the broadcasts' time stamps out of them.
 */

/** Connections opened at a time, within the servers' listen backlog. */
const OPENING = 500

/** Broadcast data: `<index> <send time µs> …`, on a `data:` line. */
const STAMP = /^data: (\d+) (\d+) /gm

interface Stream {
  readonly response: RawResponse
  /** The end of the body not yet parsed: a frame split across reads. */
  carry: string
}

const streams: Stream[] = []
/** Streams that ended after their head arrived: the client never closes one itself. */
let lost = 0
/** Per broadcast index, the latency of each stream that received it. */
const deliveries = new Map<number, number[]>()
/** Resolves the wait for a broadcast index once every stream has it. */
const waiting = new Map<number, () => void>()

function received(stream: Stream, chunk: Buffer): void {
  const at = nowMicros()
  const text = stream.carry + chunk.toString('latin1')
  const end = text.lastIndexOf('\n\n')
  if (end === -1) {
    stream.carry = text
    return
  }
  stream.carry = text.slice(end + 2)
  for (const match of text.slice(0, end + 1).matchAll(STAMP)) {
    const index = Number(match[1])
    let latencies = deliveries.get(index)
    if (latencies === undefined) deliveries.set(index, (latencies = []))
    latencies.push(at - Number(match[2]))
    if (latencies.length === streams.length) waiting.get(index)?.()
  }
}

/** Opens one stream; resolves once its head arrived or it ended. */
function openOne(port: number, localAddress: string): Promise<Stream> {
  return new Promise((resolve) => {
    const stream: Stream = {
      carry: '',
      response: new RawResponse(
        port,
        '/subscribe',
        {
          onHead: () => {
            resolve(stream)
          },
          onBody: (chunk) => {
            received(stream, chunk)
          },
          onEnd: (response) => {
            if (response.status !== 0) lost++
            resolve(stream)
          },
        },
        nowMicros,
        localAddress
      ),
    }
  })
}

// The orchestrator gone (whatever the cause), nothing is left to read.
process.on('disconnect', () => process.exit(0))

answerCalls({
  /** Opens `count` streams to a server from `localAddress`, a batch at a time. */
  open: async ({
    port,
    count,
    localAddress,
  }: {
    port: number
    count: number
    localAddress: string
  }) => {
    for (let from = 0; from < count; from += OPENING) {
      const batch: Promise<Stream>[] = []
      for (let i = from; i < Math.min(count, from + OPENING); i++)
        batch.push(openOne(port, localAddress))
      streams.push(...(await Promise.all(batch)))
    }
    return streams.filter(
      ({ response }) =>
        response.status === 200 &&
        response.contentType.startsWith('text/event-stream') &&
        !response.ended
    ).length
  },

  /** Streams still open, and those that ended by the server's or the network's doing. */
  status: () => ({ open: streams.filter(({ response }) => !response.ended).length, lost }),

  /** Waits until every stream has broadcast `index`, or `timeoutMs` passed: the latencies. */
  delivered: ({ index, timeoutMs }: { index: number; timeoutMs: number }) =>
    new Promise<number[]>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        waiting.delete(index)
        resolve(deliveries.get(index) ?? [])
      }
      const timer = setTimeout(done, timeoutMs)
      waiting.set(index, done)
      if (deliveries.get(index)?.length === streams.length) done()
    }),
})
