import diagnostics from 'node:diagnostics_channel'
import type { AppFactory } from '../app.js'
import { ssekitCore } from './ssekit-core.js'

/** Messages the subscribers saw: each does a little work, as a real subscriber would. */
let seen = 0
const count = (): void => {
  seen++
}

function subscribeStreams(): void {
  diagnostics.subscribe('ssekit:stream:start', count)
  diagnostics.subscribe('ssekit:stream:end', count)
}

/** ssekit core with a subscriber on the stream start and end channels. */
export const ssekitCoreObserved: AppFactory = async (config) => {
  subscribeStreams()
  return { ...(await ssekitCore(config)), observed: () => seen }
}

/**
 * ssekit core with subscribers on the stream channels and on every channel of an upstream
 * call: the `ssekit:upstream` tracing channel, its responses and its reconnections.
 */
export const ssekitCoreTraced: AppFactory = async (config) => {
  subscribeStreams()
  diagnostics.tracingChannel('ssekit:upstream').subscribe({
    start: count,
    end: count,
    asyncStart: count,
    asyncEnd: count,
    error: count,
  })
  diagnostics.subscribe('ssekit:upstream:response', count)
  diagnostics.subscribe('ssekit:upstream:reconnect', count)
  return { ...(await ssekitCore(config)), observed: () => seen }
}
