import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { waitFor } from '@ssekit/test-helpers/listen'

/** A program the test started: a Node script as a user runs it (`node <script>`), or a runtime. */
export interface NodeProcess {
  /** Everything it printed so far, stdout and stderr interleaved. */
  output: () => string
  /** Resolves with the first match of `pattern` in the output, once it is printed. */
  until: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>
  /** Sends SIGTERM, as Ctrl+C or a process manager would, and waits for the exit code. */
  stop: () => Promise<number | null>
  /** Kills it with SIGKILL, as a crash or the OOM killer would, and waits until it is gone. */
  kill: () => Promise<void>
}

/**
 * Runs `node script` with extra environment variables.
 *
 * @param script - The script's absolute path; its folder is the working directory.
 * @param env - Added to the test's environment; an empty string removes a variable.
 */
export function startNode(script: string, env: Record<string, string> = {}): NodeProcess {
  return startProgram(process.execPath, [script], dirname(script), env)
}

/**
 * Runs `command args` in `cwd` with extra environment variables.
 *
 * @param command - The program's path.
 * @param args - Its arguments.
 * @param cwd - Its working directory.
 * @param env - Added to the test's environment; an empty string removes a variable.
 */
export function startProgram(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {}
): NodeProcess {
  const commandLine = [command, ...args].join(' ')
  const merged = Object.fromEntries(
    Object.entries({ ...process.env, ...env }).filter(([, value]) => value !== '')
  )
  const child = spawn(command, args, {
    cwd,
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const record = (chunk: Buffer): void => {
    output += chunk.toString('utf8')
  }
  child.stdout.on('data', record)
  child.stderr.on('data', record)
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
  })
  let exitCode: number | null | undefined
  void exited.then((code) => (exitCode = code))
  return {
    output: () => output,
    until: (pattern, timeoutMs = 10_000) =>
      waitFor(
        () => {
          if (exitCode !== undefined) {
            throw new Error(
              `${commandLine} exited (${exitCode}) before printing ${pattern}:\n${output}`
            )
          }
          return pattern.exec(output)
        },
        timeoutMs,
        `${commandLine} to print ${pattern}; it printed:\n${output}`
      ),
    stop: async () => {
      if (exitCode === undefined) child.kill('SIGTERM')
      // A process that ignores SIGTERM must not outlive the test.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      const code = await exited
      clearTimeout(timer)
      return code
    },
    kill: async () => {
      if (exitCode === undefined) child.kill('SIGKILL')
      await exited
    },
  }
}
