// Relays another instance runs, read and ended through the backplane.
import { relayLogChannel, type BackplaneListener, type RelayState } from '../channel/backplane.js'
import type { RelayEnd, ResolvedHubOptions } from './options.js'
import { endRecord, lastEventIn, logLimits } from './records.js'

/** Listens to nothing: subscribed only to read a log. */
const NO_LISTENER: BackplaneListener = { onMessage: () => undefined, onReset: () => undefined }

/**
 * Counts the events of a relay run elsewhere: its shared state has them as of its last lease
 * renewal, its log those published since.
 *
 * @param options - The hub's options.
 * @param id - The relay's id.
 * @param renewed - The count its state holds.
 * @returns The count its log holds; `renewed` when the log does not know that position.
 */
export async function countEvents(
  options: ResolvedHubOptions,
  id: string,
  renewed: number
): Promise<number> {
  const { backplane, maxEvents, maxBytes } = options
  const log = relayLogChannel(id)
  // A backplane reads a channel's history for its listeners only.
  const subscription = backplane.subscribe(log, NO_LISTENER)
  try {
    await subscription.ready
    const replay = await backplane.replay(log, String(renewed), logLimits(maxEvents, maxBytes))
    return replay.found ? lastEventIn(replay.messages, renewed) : renewed
  } finally {
    subscription.unsubscribe()
  }
}

/**
 * Ends a relay this instance does not run: the shared state, with the count of its log, then
 * the final `end` in the log.
 *
 * @param options - The hub's options.
 * @param id - The relay's id.
 * @param state - Its state, running.
 * @param end - How it ends.
 * @returns Whether this call ended it: `false` when it had ended already.
 */
export async function endElsewhere(
  options: ResolvedHubOptions,
  id: string,
  state: RelayState,
  end: RelayEnd
): Promise<boolean> {
  const { backplane, retention, maxEvents, maxBytes } = options
  const events = await countEvents(options, id, state.events)
  const ended = await backplane.updateRelay(id, { ...end, events, leaseUntil: 0 }, retention)
  if (ended) {
    await backplane.publish(relayLogChannel(id), endRecord(end), logLimits(maxEvents, maxBytes))
  }
  return ended
}
