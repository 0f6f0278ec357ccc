import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

/** A headless Chromium of the test's own, with a fresh profile. */
export interface Browser {
  readonly context: BrowserContext
  /** Closes the browser and deletes its profile. */
  close: () => Promise<void>
}

/**
 * Launches the system's Chromium (Debian's `chromium` package, which
 * `scripts/ensure-test-services.mjs` installs) headless, with a profile in a new temporary
 * folder. No browser is ever downloaded.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = execFileSync('sh', ['-c', 'command -v chromium'], {
    encoding: 'utf8',
  }).trim()
  const profile = await mkdtemp(join(tmpdir(), 'ssekit-chromium-'))
  try {
    // A persistent context is how Playwright takes a profile folder (`--user-data-dir`).
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      viewport: { width: 1280, height: 960 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        // Nothing but the test's own requests: no updates, sync or background fetches.
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    return {
      context,
      close: async () => {
        await context.close()
        await rm(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
}
