import { timersPerRequest } from '../util/index.js'

/** A sink that sends, in one write, what was written during the current turn of the event loop. */
export interface TurnWriter {
  /** Sends what waits; called once the turn is over. */
  flush(): void
}

/**
 * Runs a task once the current turn of the event loop is over, where the runtime has
 * `setImmediate` (Node, Bun, Deno): after the microtasks of the turn, so a producer that awaits
 * each send, and a broadcast to many streams, gather their frames first. Elsewhere, and on
 * Workers (whose `setImmediate` is cancelled with the request that set it, while the writers
 * waiting may be other requests'), the task runs after the current task, which still gathers
 * the frames of a synchronous burst.
 */
const afterTurn: (task: () => void) => void =
  typeof setImmediate === 'function' && !timersPerRequest
    ? (task) => {
        setImmediate(task)
      }
    : queueMicrotask

const waiting: TurnWriter[] = []

function flushWaiting(): void {
  // A flush can make a stream write again (a drain resumes its producer): the loop takes the
  // writers added meanwhile too.
  for (let i = 0; i < waiting.length; i++) waiting[i]?.flush()
  waiting.length = 0
}

/**
 * Calls `writer.flush()` once the current turn of the event loop is over, with every other
 * writer of the turn: one timer however many streams wrote.
 *
 * @param writer - A sink with something to send; to be registered once per turn.
 */
export function flushAfterTurn(writer: TurnWriter): void {
  if (waiting.push(writer) === 1) afterTurn(flushWaiting)
}
