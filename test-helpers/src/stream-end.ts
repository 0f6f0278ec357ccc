/**
 * Resolves when a stream ends, however it ends: the client left or the stream was closed.
 *
 * @param stream - An `SseStream`, or anything with its `signal`.
 */
export function streamEnded(stream: { readonly signal: AbortSignal }): Promise<void> {
  const { signal } = stream
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true })
  })
}
