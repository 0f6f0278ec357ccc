import { fork, type ChildProcess } from 'node:child_process'
import { pin } from './pin.js'

/** A request from the orchestrator to one of its processes. */
interface Call {
  readonly id: number
  readonly type: string
  readonly payload: unknown
}

/** The answer to a {@link Call}. */
interface Reply {
  readonly id: number
  readonly result?: unknown
  readonly error?: string
}

/** What a child process answers, by call type. */
export type Handlers = Record<string, (payload: never) => unknown>

/**
 * Answers the orchestrator's calls in a child process, one handler per call type.
 *
 * @param handlers - The handlers; each may return a promise.
 */
export function answerCalls(handlers: Handlers): void {
  process.on('message', (message: Call) => {
    if (message.type === 'exit') process.exit(0)
    const reply = (answer: Omit<Reply, 'id'>): void => {
      process.send?.({ id: message.id, ...answer })
    }
    const handler = handlers[message.type]
    if (handler === undefined) {
      reply({ error: `unknown call ${message.type}` })
      return
    }
    Promise.resolve()
      .then(() => (handler as (payload: unknown) => unknown)(message.payload))
      .then(
        (result) => {
          reply({ result })
        },
        (error: unknown) => {
          reply({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) })
        }
      )
  })
}

/** A child process the orchestrator drives by calls. */
export class Child {
  readonly #process: ChildProcess
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >()
  #next = 0
  readonly name: string

  /**
   * @param name - For error messages.
   * @param file - The module to run.
   * @param args - Its arguments.
   * @param execArgv - Node options besides `--expose-gc`, which lets memory be measured after
   * a full collection.
   * @param cpus - The cores it runs on (see `pin`); any, by default.
   */
  constructor(name: string, file: string, args: string[], execArgv: string[] = [], cpus?: string) {
    this.name = name
    this.#process = fork(file, args, { execArgv: ['--expose-gc', ...execArgv], stdio: 'inherit' })
    if (cpus !== undefined) pin(this.#process.pid, cpus)
    this.#process.on('message', (reply: Reply) => {
      const pending = this.#pending.get(reply.id)
      if (pending === undefined) return
      this.#pending.delete(reply.id)
      if (reply.error === undefined) pending.resolve(reply.result)
      else pending.reject(new Error(`${name}: ${reply.error}`))
    })
    this.#process.on('exit', (code, signal) => {
      for (const pending of this.#pending.values()) {
        pending.reject(new Error(`${name} exited (${code ?? signal}) during a call`))
      }
      this.#pending.clear()
    })
  }

  get pid(): number | undefined {
    return this.#process.pid
  }

  /**
   * @param type - The call type.
   * @param payload - Its argument.
   * @returns The handler's result.
   */
  call<T>(type: string, payload: unknown = {}): Promise<T> {
    const id = this.#next++
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.#process.send({ id, type, payload })
    })
  }

  /**
   * Ends the process and waits for it.
   *
   * @param graceful - Ask it to exit (so that `--cpu-prof` writes its profile) rather than
   * kill it.
   */
  async stop(graceful = false): Promise<void> {
    const child = this.#process
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    if (graceful) child.send({ id: -1, type: 'exit', payload: {} })
    else child.kill('SIGKILL')
    await exited
  }
}
