import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEvents, type EventReader } from '@ssekit/test-helpers/read-events'
import { sleep } from '@ssekit/test-helpers/listen'
import { startNode, type NodeProcess } from './helpers/node-process.js'

/** The value of one sample in a Prometheus text exposition, `undefined` when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1))
  }
  return undefined
}

describe('examples/prometheus', () => {
  let server: NodeProcess
  let events: string
  let metrics: string

  beforeAll(async () => {
    const script = fileURLToPath(new URL('../examples/prometheus/server.mjs', import.meta.url))
    server = startNode(script, { PORT: '0' })
    events = (await server.until(/Listening on (http:\S+)/))[1]!
    metrics = events.replace(/\/events$/, '/metrics')
  })

  afterAll(async () => {
    expect(await server.stop()).toBe(0)
  })

  async function scrape(): Promise<string> {
    const response = await fetch(metrics)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    return response.text()
  }

  /** Scrapes until `series` reads `value`: the server counts an end after the client left. */
  async function scrapeUntil(series: string, value: number): Promise<string> {
    const deadline = Date.now() + 5000
    for (;;) {
      const text = await scrape()
      if (sample(text, series) === value) return text
      if (Date.now() > deadline) {
        throw new Error(`${series} never read ${value}; last scrape:\n${text}`)
      }
      await sleep(20)
    }
  }

  async function connect(): Promise<{ reader: EventReader; leave: () => Promise<void> }> {
    const abort = new AbortController()
    const response = await fetch(events, { signal: abort.signal })
    const reader = readEvents(response.body!)
    await reader.event(0)
    return {
      reader,
      leave: async () => {
        abort.abort()
        await reader.ended
      },
    }
  }

  it('exposes open streams, totals and ends by reason as they change', async () => {
    const before = await scrape()
    expect(sample(before, 'sse_streams_open')).toBe(0)
    expect(sample(before, 'sse_upstream_calls_in_flight')).toBe(0)

    const first = await connect()
    const second = await connect()
    const both = await scrape()
    expect(sample(both, 'sse_streams_open')).toBe(2)
    expect(sample(both, 'sse_events_sent_total')).toBeGreaterThanOrEqual(2)
    expect(sample(both, 'sse_bytes_sent_total')).toBeGreaterThan(0)

    await first.leave()
    const one = await scrapeUntil('sse_streams_open', 1)
    expect(sample(one, 'sse_streams_ended_total{reason="client-left"}')).toBe(1)
    expect(sample(one, 'sse_stream_duration_seconds_count{reason="client-left"}')).toBe(1)

    await second.leave()
    const none = await scrapeUntil('sse_streams_open', 0)
    expect(sample(none, 'sse_streams_ended_total{reason="client-left"}')).toBe(2)
    // A counter never goes back: later scrapes keep the totals.
    const again = await scrape()
    expect(sample(again, 'sse_events_sent_total')).toBeGreaterThanOrEqual(
      sample(both, 'sse_events_sent_total')!
    )
  })
})
