import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, type Browser } from './helpers/browser.js'
import { sleep, waitFor } from '@ssekit/test-helpers/listen'
import { startNode, type NodeProcess } from './helpers/node-process.js'

const demoScript = fileURLToPath(new URL('../demo/server.mjs', import.meta.url))
const screenshots = fileURLToPath(new URL('../test-results/demo/', import.meta.url))

/** What the simulated LLM prints when the connection it streams on closes early. */
const UPSTREAM_CLOSED = /request \d+ closed by its client after (\d+) of \d+ chunks/g

/** The chunks the simulated LLM had sent when it last reported a closed connection. */
function chunksSentBeforeClose(output: string): number | undefined {
  const last = [...output.matchAll(UPSTREAM_CLOSED)].at(-1)
  return last === undefined ? undefined : Number(last[1])
}

/** The tick list as the page shows it, newest first: ticks carry an id, markers a resume id. */
function tickList(page: Page): Promise<{ id: string | null; after: string | null }[]> {
  return page.locator('#ticks li').evaluateAll((items) =>
    items.map((item) => ({
      id: item.getAttribute('data-id'),
      after: item.getAttribute('data-after'),
    }))
  )
}

/**
 * Reads the answer's text again and again until it has gone through `count` different
 * non-empty states, each one extending the last: tokens arriving one by one.
 */
async function answerStates(page: Page, count: number, timeoutMs = 5000): Promise<string[]> {
  const states: string[] = []
  const deadline = performance.now() + timeoutMs
  while (states.length < count) {
    if (performance.now() > deadline) {
      throw new Error(`The answer went through ${states.length} states only: ${states.join(' | ')}`)
    }
    const text = (await page.locator('#answer').textContent()) ?? ''
    if (text !== '' && text !== states.at(-1)) states.push(text)
  }
  return states
}

/** The ids of the answer's tokens on the page, in order. */
function tokenIds(page: Page): Promise<string[]> {
  return page
    .locator('#answer span')
    .evaluateAll((spans) => spans.map((span) => String(span.getAttribute('data-id'))))
}

/** `['1', …, String(count)]`. */
function upTo(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i + 1))
}

describe('the demo in a browser', () => {
  let demo: NodeProcess
  let browser: Browser
  const urls = new Map<string, string>()

  beforeAll(async () => {
    // The embedded LLM and free ports, whatever the environment running the tests says.
    demo = startNode(demoScript, {
      DEMO_PORT: '0',
      DEMO_HOST: '',
      DEMO_LLM_BASE_URL: '',
      DEMO_LLM_API_KEY: '',
      DEMO_LLM_MODEL: '',
    })
    await demo.until(/Press Ctrl\+C/)
    for (const [, name, url] of demo
      .output()
      .matchAll(/^ +(Express|Koa|Hono|Fastify) +(http:\S+)$/gm)) {
      urls.set(name!, url!)
    }
    browser = await launchChromium()
    await mkdir(screenshots, { recursive: true })
  }, 30_000)

  afterAll(async () => {
    await browser.close()
    // Ctrl+C ends the open streams and the servers: the process exits by itself.
    expect(await demo.stop()).toBe(0)
  })

  it('prints one URL per adapter', () => {
    expect([...urls.keys()]).toEqual(['Express', 'Koa', 'Hono', 'Fastify'])
  })

  describe.each(['Express', 'Koa', 'Hono', 'Fastify'])('served by %s', (adapter) => {
    let page: Page
    const pageErrors: Error[] = []

    beforeAll(async () => {
      page = await browser.context.newPage()
      page.on('pageerror', (error) => pageErrors.push(error))
      await page.goto(urls.get(adapter)!)
    })

    afterAll(async () => {
      await page.close()
      expect(pageErrors).toEqual([])
    })

    it('names its adapter and links to the others', async () => {
      await expect.poll(() => page.locator('#adapter').textContent()).toBe(adapter)
      const links = page.locator('#adapters a')
      await expect
        .poll(() => links.allTextContents())
        .toEqual(['Express', 'Koa', 'Hono', 'Fastify'])
      expect(await page.locator('#adapters a[aria-current="page"]').textContent()).toBe(adapter)
    })

    it('shows ticks live, then resumes after the last id when the server drops the stream', async () => {
      await expect.poll(async () => (await tickList(page)).length, { timeout: 5000 }).toBe(2)
      expect(await tickList(page)).toEqual([
        { id: '2', after: null },
        { id: '1', after: null },
      ])
      expect(await page.locator('#ticks li').first().textContent()).toMatch(/^id 2 · tick · \d\d:/)
      expect(await page.locator('#tick-state').textContent()).toBe('open')
      expect(await page.locator('#tick-resume').textContent()).toContain('new sequence')

      await page.click('#drop')
      // The browser reconnects by itself after the server's `retry` (1 s), sending Last-Event-ID.
      await expect
        .poll(
          async () => {
            const list = await tickList(page)
            return list.some((item) => item.after !== null) && list[0]?.id !== null
          },
          { timeout: 5000 }
        )
        .toBe(true)

      const list = await tickList(page)
      const marker = list.findIndex((item) => item.after !== null)
      const lastBefore = Number(list[marker + 1]!.id)
      expect(lastBefore).toBeGreaterThanOrEqual(2)
      expect(list[marker]!.after).toBe(String(lastBefore))
      expect(list[marker - 1]!.id).toBe(String(lastBefore + 1))
      expect(await page.locator('#tick-resume').textContent()).toContain(
        `resumed after id ${lastBefore} (Last-Event-ID: ${lastBefore})`
      )
      expect(await page.locator('#tick-connections').textContent()).toBe('2')
      expect(await page.locator('#tick-state').textContent()).toBe('open')
    })

    it('shows the answer token by token, and the server closes the upstream within 1 s of Stop', async () => {
      const closedBefore = demo.output().match(UPSTREAM_CLOSED)?.length ?? 0
      const prompt = `What does ${adapter} do here?`
      await page.fill('#prompt', prompt)
      await page.click('#ask')

      const states = await answerStates(page, 5)
      expect(states[0]).toMatch(/^You/)
      for (const [index, state] of states.entries()) {
        if (index > 0) expect(state.startsWith(states[index - 1]!)).toBe(true)
      }

      const stopAt = performance.now()
      await page.click('#stop')
      await page.locator('#run-record[data-state="stopped"]').waitFor({ timeout: 1000 })
      expect(performance.now() - stopAt).toBeLessThan(1000)
      // The simulated LLM saw its connection close.
      await waitFor(
        () => (demo.output().match(UPSTREAM_CLOSED)?.length ?? 0) > closedBefore,
        1000,
        'the simulated LLM to report its connection closed'
      )

      const shown = await tokenIds(page)
      const record = (await page.locator('#run-record').textContent()) ?? ''
      expect(record).toMatch(
        /Stop was called \d+ ms into the run; the upstream connection was closed \d+ ms later, after \d+ tokens? relayed/
      )
      const relayed = Number(/after (\d+) tokens? relayed/.exec(record)?.[1])
      // Every token of the relay's log reached the page, once, in order, before its end; none
      // are invented: the LLM's first chunk carries no text.
      expect(shown).toEqual(upTo(relayed))
      expect(relayed).toBeLessThanOrEqual(chunksSentBeforeClose(demo.output())! - 1)
      expect(await page.locator('#run-status').textContent()).toBe(
        `Stopped after ${relayed} tokens (user).`
      )

      // Nothing arrives after Stop: the answer stays cut short.
      const answer = await page.locator('#answer').textContent()
      await sleep(300)
      expect(await page.locator('#answer').textContent()).toBe(answer)
      expect(answer).toMatch(/^You asked: “What does/)
      expect(answer).not.toMatch(/redacted\.$/)

      const log = (await page.locator('#debug-log').textContent()) ?? ''
      expect(log).toMatch(
        / request +\{"method":"POST","url":"http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions"/
      )
      expect(log).toContain('"authorization":"[redacted]"')
      expect(log).toMatch(/ abort +\{"by":"return"\}/)
      // The bearer token never reaches the page.
      expect(await page.content()).not.toMatch(/sk-demo-|Bearer/)

      await page.screenshot({
        path: join(screenshots, `${adapter.toLowerCase()}.png`),
        fullPage: true,
      })
    })

    it('goes on where it was after a reload mid-answer, and a second tab follows the same answer', async () => {
      await page.fill('#prompt', `Reload ${adapter} mid-answer`)
      await page.click('#ask')
      await expect.poll(async () => (await tokenIds(page)).length).toBeGreaterThanOrEqual(5)
      const textBefore = (await page.locator('#answer').textContent()) ?? ''
      const countBefore = (await tokenIds(page)).length
      const runUrl = page.url()
      expect(runUrl).toMatch(/#run=[0-9a-f]{32}$/)

      await page.reload()
      // The answer so far again, then the tokens that came meanwhile and after, live.
      await expect
        .poll(async () => (await tokenIds(page)).length, { timeout: 5000 })
        .toBeGreaterThan(countBefore + 3)
      expect((await page.locator('#answer').textContent())!.startsWith(textBefore)).toBe(true)

      const second = await browser.context.newPage()
      const secondErrors: Error[] = []
      second.on('pageerror', (error) => secondErrors.push(error))
      try {
        await second.goto(runUrl)
        await expect
          .poll(async () => (await tokenIds(second)).length, { timeout: 5000 })
          .toBeGreaterThan(countBefore + 3)
        // Stop in one tab ends the answer in both.
        await second.click('#stop')
        for (const tab of [page, second]) {
          await tab.locator('#run-record[data-state="stopped"]').waitFor({ timeout: 2000 })
        }
        const record = (await page.locator('#run-record').textContent()) ?? ''
        const relayed = Number(/after (\d+) tokens? relayed/.exec(record)?.[1])
        for (const tab of [page, second]) {
          expect(await tokenIds(tab)).toEqual(upTo(relayed))
          expect(await tab.locator('#run-status').textContent()).toBe(
            `Stopped after ${relayed} tokens (user).`
          )
        }
        expect(await second.locator('#answer').textContent()).toBe(
          await page.locator('#answer').textContent()
        )
        expect((await page.locator('#answer').textContent())!.startsWith(textBefore)).toBe(true)
      } finally {
        await second.close()
      }
      expect(secondErrors).toEqual([])
    })
  })
})
