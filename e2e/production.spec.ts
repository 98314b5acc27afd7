/**
 * The production build (dist/, what `npm start` serves) puts nothing of Layr's on `window`, and
 * still works. The other end-to-end tests drive the test flavour (dist-e2e/), which does.
 */
import { expect, test } from '@playwright/test'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { killRelay, startProductionRelay, type RelayProcess } from './relay-process.ts'
import { createVault } from './ui.ts'

const HOOKS = ['layr', 'layrNet', 'layrCore', 'layrTesting', 'layrAdapters', 'layrReady'] as const

test.describe('the production build', () => {
  let relay: RelayProcess

  test.beforeAll(async () => {
    relay = await startProductionRelay()
  })

  test.afterAll(async () => {
    if (relay) await killRelay(relay)
  })

  test('puts nothing on window, and the app still opens, makes a vault and goes online', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: relay.url })
    try {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      // Layr's properties on window: the hooks by name, and anything else called layr….
      const layrOnWindow = (): Promise<string[]> =>
        page.evaluate(
          (hooks) => [
            ...hooks.filter((name) => (window as unknown as Record<string, unknown>)[name] !== undefined),
            ...Object.getOwnPropertyNames(window).filter((name) => /^layr/i.test(name)),
          ],
          [...HOOKS],
        )

      await page.goto('/')
      // The app has opened (its facade is made before the first-run page shows).
      await expect(page.getByRole('button', { name: 'Create a new vault' })).toBeVisible()
      expect(await layrOnWindow()).toEqual([])

      await createVault(page)
      await expect(page.getByTestId('network-summary')).toContainText('Online', { timeout: 30_000 })
      await page.getByRole('tab', { name: 'Network' }).click()
      await expect(page.getByTestId('peer-id')).toHaveText(/^12D3Koo/)
      await expect(page.getByTestId('relay-state')).toContainText('Connected')
      expect(await layrOnWindow()).toEqual([])
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })
})

test('the production bundle holds no window hooks and no test harness; the test bundle does', async () => {
  const scripts = async (dir: string): Promise<Map<string, string>> => {
    const files = (await readdir(join(dir, 'assets'))).filter((f) => f.endsWith('.js'))
    return new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(dir, 'assets', f), 'utf8')] as const)))
  }
  const hooks = (bundle: Map<string, string>): string[] =>
    [...bundle].flatMap(([file, text]) => [
      // Property names survive minification; `layr` alone is also a field name (AppState.layr).
      ...HOOKS.filter((h) => (h === 'layr' ? /window\.layr\b/.test(text) : text.includes(h))).map((h) => `${file}: ${h}`),
      ...(file.startsWith('browser-harness') ? [`${file}: the test harness`] : []),
    ])
  const production = await scripts('dist')
  const e2e = await scripts('dist-e2e')
  expect([...production.keys()].some((f) => f.startsWith('encode.worker'))).toBe(true) // the right folder, built
  expect(hooks(production)).toEqual([])
  // The same check finds them in the test flavour, so it would see them in production too.
  expect(hooks(e2e).length).toBeGreaterThanOrEqual(HOOKS.length + 1)

  // Nothing in the page itself that the CSP (script-src/style-src 'self') would block.
  const html = await readFile(join('dist', 'index.html'), 'utf8')
  expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/)
  expect(html.match(/<script\b[^>]*>/g)?.filter((tag) => !/\bsrc=/.test(tag))).toEqual([])
  expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=|javascript:/i)
})
