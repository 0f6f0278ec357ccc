import { describe } from '../util/index.js'
import type { SseRedirectMode } from './options.js'

/** Which redirects a request follows, and what it sends to another origin. */
export interface RedirectPolicy {
  readonly mode: SseRedirectMode
  /** Send credential headers to another origin too (`unsafeForwardCredentialsOnRedirect`). */
  readonly forwardCredentials: boolean
}

const MODES: readonly SseRedirectMode[] = ['same-origin', 'follow', 'error']

/**
 * Validates the redirect options.
 *
 * @param redirect - The `redirect` option.
 * @param unsafe - The `unsafeForwardCredentialsOnRedirect` option.
 * @returns The policy.
 * @throws TypeError naming the invalid option.
 */
export function resolveRedirect(redirect: unknown, unsafe: unknown): RedirectPolicy {
  if (redirect !== undefined && !MODES.includes(redirect as SseRedirectMode)) {
    throw new TypeError(
      `The option "redirect" must be 'same-origin', 'follow' or 'error'; got ${describe(redirect)}.`
    )
  }
  const mode = (redirect as SseRedirectMode | undefined) ?? 'same-origin'
  if (unsafe === undefined || unsafe === false) return { mode, forwardCredentials: false }
  if (unsafe !== true) {
    throw new TypeError(
      `The option "unsafeForwardCredentialsOnRedirect" must be a boolean; got ${describe(unsafe)}.`
    )
  }
  if (mode !== 'follow') {
    throw new TypeError(
      `The option "unsafeForwardCredentialsOnRedirect" only applies with redirect: 'follow'; got redirect: '${mode}'.`
    )
  }
  return { mode, forwardCredentials: true }
}
