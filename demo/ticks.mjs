// The tick stream: a numbered `tick` event every second. A browser that reconnects sends the
// last id it saw as `Last-Event-ID`, and the stream goes on from the next number, so the page
// can show that nothing was skipped or repeated.
import { setTimeout as sleep } from 'node:timers/promises'

/** @typedef {import('@ssekit/express').SseStream} SseStream */

/**
 * @typedef {object} Ticks
 * @property {(stream: SseStream) => Promise<void>} serve Streams ticks until the stream ends.
 * @property {(number: number) => boolean} drop Ends tick stream `number`, as a network failure
 * or a server restart would; `false` when no such stream is open.
 */

/**
 * @param {object} [options]
 * @param {number} [options.intervalMs] Milliseconds between two ticks.
 * @returns {Ticks}
 */
export function createTicks({ intervalMs = 1000 } = {}) {
  /** @type {Map<number, SseStream>} */
  const open = new Map()
  let opened = 0

  return {
    async serve(stream) {
      const number = ++opened
      open.set(number, stream)
      try {
        const resumedAfter = parseTickId(stream.lastEventId)
        // No `id` on this event: it must not change the id the browser resumes from.
        await stream.send({
          event: 'hello',
          data: { stream: number, lastEventId: stream.lastEventId ?? null, resumedAfter },
        })
        let n = resumedAfter ?? 0
        while (!stream.signal.aborted) {
          n++
          const { clientDisconnected } = await stream.send({
            event: 'tick',
            id: String(n),
            data: { n, time: new Date().toISOString() },
          })
          if (clientDisconnected) break
          // Wakes early when the stream ends, so a dropped stream's handler returns at once.
          await sleep(intervalMs, undefined, { signal: stream.signal }).catch(() => undefined)
        }
      } finally {
        open.delete(number)
      }
    },

    drop(number) {
      const stream = open.get(number)
      stream?.close()
      return stream !== undefined
    },
  }
}

/**
 * The tick number in a `Last-Event-ID`, or `null` for none or one this stream never sent.
 *
 * @param {string | undefined} id
 */
function parseTickId(id) {
  return id !== undefined && /^\d{1,15}$/.test(id) ? Number(id) : null
}
