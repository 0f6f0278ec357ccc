import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '@ssekit/test-helpers/listen'
import { startUpstream, type Upstream } from '@ssekit/test-helpers/upstream'
import { sseRequest } from '../upstream/request.js'

describe('one signal guarding many upstream calls', () => {
  let upstream: Upstream | undefined
  const warnings: Error[] = []
  const onWarning = (warning: Error): void => {
    warnings.push(warning)
  }
  afterEach(async () => {
    process.off('warning', onWarning)
    await upstream?.close()
  })

  it('stops every call on abort without a max-listeners warning, and leaves no listener', async () => {
    process.on('warning', onWarning)
    upstream = await startUpstream(async (call) => {
      await call.send({ data: 'first' })
    })
    const abort = new AbortController()
    const added: string[] = []
    const { signal } = abort
    const add = signal.addEventListener.bind(signal)
    signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
      added.push(args[0])
      add(...args)
    }
    const calls = Array.from({ length: 25 }, () => sseRequest({ url: upstream!.url, signal }))
    await waitFor(() => upstream!.calls.length === 25, 5000, 'every request to arrive')
    abort.abort(new Error('stop'))
    const results = await Promise.allSettled(calls)
    expect(results.every((result) => result.status === 'rejected')).toBe(true)
    await Promise.all(upstream.calls.map((call) => call.closed))
    // One listener served all 25 calls.
    expect(added).toEqual(['abort'])
    await new Promise((resolve) => setImmediate(resolve))
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
  })
})
