/**
 * Layr as an installable app: the web app manifest and its icons, the service worker that keeps
 * the app shell (src/pwa/sw.ts), the shell opening with the relay down, the relay's own routes
 * never answered from the cache, and a new build's shell replacing the old one. Runs the
 * production build (what `npm start` serves), from a copy of dist/ served by a relay of its own
 * (so that the test can stop it and rebuild the copy).
 */
import { expect, test, type Page } from '@playwright/test'
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, killRelay, spawnRelay, waitForRelay, type RelayProcess } from './relay-process.ts'

interface WebManifest {
  name?: string
  short_name?: string
  start_url?: string
  scope?: string
  display?: string
  icons?: { src: string; sizes: string; type: string; purpose?: string }[]
}

/** The width and height a PNG's IHDR says. */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR')
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)]
}

/** The service worker's cache names and, for each, the paths it holds. */
function shellCaches(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const out: Record<string, string[]> = {}
    for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname).sort()
    return out
  })
}

function controlled(page: Page): Promise<boolean> {
  return page.evaluate(async () => {
    await navigator.serviceWorker.ready
    // Active, and claiming this page (sw.ts's activate): the controller comes with controllerchange.
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }))
    return navigator.serviceWorker.controller !== null
  })
}

test.describe('the installable app', () => {
  let relay: RelayProcess | undefined
  let staticDir: string
  let port: number
  let keyFile: string

  const start = async (): Promise<RelayProcess> => {
    const r = spawnRelay(port, keyFile, { LAYR_STATIC_DIR: staticDir })
    await waitForRelay(r)
    return (relay = r)
  }

  test.beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'layr-pwa-'))
    staticDir = join(dir, 'dist')
    cpSync('dist', staticDir, { recursive: true })
    keyFile = join(dir, 'relay-key')
    port = await freePort()
    await start()
  })

  test.afterEach(async () => {
    if (relay) await killRelay(relay)
    relay = undefined
  })

  test('has a valid manifest with fetchable icons, and Chromium finds nothing that stops it being installed', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: relay!.url })
    try {
      const page = await context.newPage()
      await page.goto('/')
      const href = await page.locator('link[rel="manifest"]').getAttribute('href')
      expect(href).toBe('/manifest.webmanifest')
      const res = await page.request.get(href!)
      expect(res.ok()).toBe(true)
      expect(res.headers()['content-type']).toMatch(/^application\/manifest\+json/)
      const manifest = (await res.json()) as WebManifest
      expect(manifest).toMatchObject({ name: expect.stringMatching(/^Layr/), short_name: 'Layr', start_url: '/', scope: '/', display: 'standalone' })
      // Chromium installs an app with a 192 px and a 512 px icon; every icon listed must load and be what it says.
      const sizes = new Set<string>()
      for (const icon of manifest.icons ?? []) {
        const got = await page.request.get(icon.src)
        expect(got.ok(), icon.src).toBe(true)
        expect(got.headers()['content-type']).toBe(icon.type)
        if (icon.type === 'image/png') {
          const [w, h] = pngSize(await got.body())
          expect(`${w}x${h}`).toBe(icon.sizes)
          sizes.add(icon.sizes)
        }
      }
      expect([...sizes].sort()).toEqual(['192x192', '512x512'])

      // Chromium's own reading of it (the DevTools protocol): the manifest parses with no errors,
      // and once the service worker controls the page nothing but this profile's nature stops installing.
      expect(await controlled(page)).toBe(true)
      const cdp = await context.newCDPSession(page)
      const read = (await cdp.send('Page.getAppManifest')) as { url: string; errors: { message: string }[]; data?: string }
      expect(read.url).toBe(`${relay!.url}/manifest.webmanifest`)
      expect(read.errors).toEqual([])
      const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: { errorId: string }[] }
      // A Playwright context is an off-the-record profile, which Chromium never installs apps from.
      expect(installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito')).toEqual([])
    } finally {
      await context.close()
    }
  })

  test('the service worker keeps the shell: the app opens with the relay down, and the relay’s own routes are never answered from the cache', async ({
    browser,
  }) => {
    const context = await browser.newContext({ baseURL: relay!.url })
    try {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto('/')
      await expect(page.getByRole('button', { name: 'Create a new vault' })).toBeVisible()
      expect(await controlled(page)).toBe(true)
      const caches = await shellCaches(page)
      const names = Object.keys(caches)
      expect(names).toHaveLength(1)
      expect(names[0]).toMatch(/^layr-shell-[0-9a-f]{16}$/)
      const held = caches[names[0]!]!
      expect(held).toEqual(expect.arrayContaining(['/index.html', '/manifest.webmanifest', '/icons/icon-192.png']))
      expect(held.filter((p) => p.startsWith('/assets/') && p.endsWith('.js')).length).toBeGreaterThanOrEqual(3)
      expect(held.some((p) => /^\/(ledger|metrics|health|bootstrap\.json)/.test(p) || p.endsWith('.map'))).toBe(false)

      // While the relay is up, its routes come from it and the shell's files from the cache.
      const fromWorker: Record<string, boolean> = {}
      page.on('response', (r) => void (fromWorker[new URL(r.url()).pathname] = r.fromServiceWorker()))
      for (const path of ['/metrics', '/health', '/bootstrap.json', '/ledger/']) {
        expect(await page.evaluate(async (path) => (await fetch(path)).status < 500, path), path).toBe(true)
      }
      await page.reload()
      await expect(page.getByRole('button', { name: 'Create a new vault' })).toBeVisible()
      const script = held.find((p) => /^\/assets\/index-.*\.js$/.test(p))!
      expect(fromWorker[script]).toBe(true)
      for (const path of ['/metrics', '/health', '/bootstrap.json', '/ledger/']) expect(fromWorker[path], path).toBe(false)

      await killRelay(relay!)
      relay = undefined
      // Nothing answers on the port now: the shell still opens, at / and at an app route.
      for (const path of ['/', '/files']) {
        await page.goto(path)
        await expect(page.getByRole('button', { name: 'Create a new vault' })).toBeVisible()
      }
      // And the relay's routes fail as the network does: no stale answer from a cache.
      for (const path of ['/metrics', '/health', '/bootstrap.json', '/ledger/accounts/x']) {
        expect(
          await page.evaluate(
            async (path) =>
              fetch(path).then(
                (r) => `status ${r.status}`,
                (e: Error) => e.name,
              ),
            path,
          ),
          path,
        ).toBe('TypeError')
      }
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })

  test('a new build replaces the old shell: its service worker takes over and deletes the old cache', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: relay!.url })
    try {
      const page = await context.newPage()
      await page.goto('/')
      expect(await controlled(page)).toBe(true)
      const [before] = Object.keys(await shellCaches(page))
      expect(before).toMatch(/^layr-shell-/)

      // "A new build": index.html changes, and with it the worker's version (as the build makes it).
      const indexPath = join(staticDir, 'index.html')
      writeFileSync(indexPath, readFileSync(indexPath, 'utf8').replace('<title>', '<meta name="layr-build" content="next" /><title>'))
      const swPath = join(staticDir, 'sw.js')
      const oldVersion = before!.slice('layr-shell-'.length)
      writeFileSync(swPath, readFileSync(swPath, 'utf8').replace(oldVersion, 'feedfacefeedface'))

      await page.reload() // network first: the new index.html, and the browser checks /sw.js anew
      await expect(page.locator('meta[name="layr-build"]')).toHaveAttribute('content', 'next')
      await expect.poll(async () => Object.keys(await shellCaches(page)), { timeout: 20_000 }).toEqual(['layr-shell-feedfacefeedface'])
      expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${relay!.url}/sw.js`)

      // Offline, the shell is the new one.
      await killRelay(relay!)
      relay = undefined
      await page.reload()
      await expect(page.locator('meta[name="layr-build"]')).toHaveAttribute('content', 'next')
      await expect(page.getByRole('button', { name: 'Create a new vault' })).toBeVisible()
    } finally {
      await context.close()
    }
  })
})
