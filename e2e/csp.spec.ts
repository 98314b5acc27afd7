/**
 * The app under its Content-Security-Policy (relay/security.ts), in Chromium: the production
 * build served as `npm start` serves it, through a real journey with every policy violation
 * recorded. The journey: the pipeline self-test on the first-run page (the encoder and hasher
 * Workers, the WebAssembly Reed-Solomon kernel in a Worker and, rebuilding from k of n shares,
 * in the page), a vault, a backup to a second profile that hosts it, and a restore to disk.
 * Recorded: `securitypolicyviolation` events in every page, and console messages about the
 * policy from the pages and from their Workers (whose violations the page never sees).
 * Then each context is probed: eval is refused there (the policy is in force) and WebAssembly
 * compiles (the policy allows it).
 */
import { expect, test, type Browser, type ConsoleMessage, type Page, type Worker } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { killRelay, startProductionRelay, type RelayProcess } from './relay-process.ts'
import { closeTabs, createVault, dropFiles, hostingOn, sha256, sharesHosted, testFile, type Tab } from './ui.ts'

const KiB = 1024

interface Watch {
  /** Every violation, as "[tab where] what". */
  readonly violations: string[]
  readonly workers: Array<{ readonly tab: string; readonly worker: Worker }>
}

const POLICY_MESSAGE = /Content[- ]Security[- ]Policy|Refused to (load|execute|evaluate|compile|connect|create|frame|apply)/i

async function openWatched(browser: Browser, name: string, baseURL: string, watch: Watch): Promise<Tab> {
  const context = await browser.newContext({ baseURL })
  await context.exposeBinding('__layrCspViolation', (_source, text: string) => void watch.violations.push(`[${name} page] ${text}`))
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __layrCspViolation?: (t: string) => void }).__layrCspViolation
      report?.(`${e.effectiveDirective} refused ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber}): ${e.originalPolicy}`)
    })
  })
  const page = await context.newPage()
  const log: string[] = []
  const listen =
    (where: string) =>
    (m: ConsoleMessage): void => {
      if (m.type() === 'error' || m.type() === 'warning') log.push(`[${name} ${where}] ${m.type()}: ${m.text()}`)
      if (POLICY_MESSAGE.test(m.text())) watch.violations.push(`[${name} ${where}] ${m.text()}`)
    }
  page.on('console', listen('page'))
  page.on('worker', (worker) => {
    watch.workers.push({ tab: name, worker })
    worker.on('console', listen(`worker ${new URL(worker.url()).pathname}`))
    // A Worker's violations fire in the Worker only, and Chromium does not log them to the
    // console. This listener comes once the Worker runs, so it misses its first moments (when
    // the encoder compiles its kernel): the probes below cover those.
    void worker
      .evaluate(() =>
        self.addEventListener('securitypolicyviolation', (e) =>
          console.error(`Content Security Policy violation: ${e.effectiveDirective} refused ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`),
        ),
      )
      .catch(() => undefined) // a Worker that is already gone
  })
  page.on('pageerror', (e) => log.push(`[${name}] pageerror: ${e.message}`))
  await page.goto('/')
  return { name, context, page, log }
}

/**
 * Run in a page or a Worker: is eval refused (the policy is in force; only when `tryEval`, as
 * the refusal is itself a violation), does WebAssembly compile (the policy allows it)? In a task
 * of the page's own: code the test evaluates directly is exempt from the policy (DevTools'
 * allowUnsafeEvalBlockedByCSP), a timer it sets is not.
 */
function probe(tryEval: boolean): Promise<{ evalRefused?: boolean; wasmCompiles: boolean }> {
  return new Promise((resolve) =>
    setTimeout(() => {
      let evalRefused: boolean | undefined
      if (tryEval) {
        try {
          ;(0, eval)('1')
          evalRefused = false
        } catch (e) {
          evalRefused = e instanceof EvalError
        }
      }
      let wasmCompiles = false
      try {
        // The smallest module: magic and version.
        wasmCompiles = new WebAssembly.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])) instanceof WebAssembly.Module
      } catch {
        wasmCompiles = false
      }
      resolve({ ...(tryEval ? { evalRefused } : {}), wasmCompiles })
    }, 0),
  )
}

/**
 * Run in the page: may it open a WebSocket to another origin (a relay the user added: yes), and
 * fetch() from one (no, though `other` answers CORS requests)? `other` is http://host:port.
 */
function probeConnect(other: string): Promise<{ webSocket: boolean; fetch: boolean }> {
  return new Promise((resolve) =>
    setTimeout(() => {
      const webSocket = new Promise<boolean>((done) => {
        try {
          const ws = new WebSocket(other.replace(/^http/, 'ws'))
          ws.onopen = () => {
            ws.close()
            done(true)
          }
          ws.onerror = () => done(false) // refused by connect-src, or not answered
        } catch {
          done(false)
        }
      })
      const fetched = fetch(`${other}/bootstrap.json`).then(
        () => true,
        () => false,
      )
      void Promise.all([webSocket, fetched]).then(([w, f]) => resolve({ webSocket: w, fetch: f }))
    }, 0),
  )
}

const workersOf = (watch: Watch, tab: string, kind: RegExp): Worker[] =>
  watch.workers.filter((w) => w.tab === tab && kind.test(new URL(w.worker.url()).pathname)).map((w) => w.worker)

test.describe('the app under its Content-Security-Policy', () => {
  let relay: RelayProcess

  test.beforeAll(async () => {
    relay = await startProductionRelay()
  })

  test.afterAll(async () => {
    if (relay) await killRelay(relay)
  })

  test('self-test, vault, backup to a host and restore: no violation, and Workers and WebAssembly ran under the policy', async ({ browser, baseURL }) => {
    test.setTimeout(180_000)
    const watch: Watch = { violations: [], workers: [] }
    const tabs: Tab[] = []
    try {
      const host = await openWatched(browser, 'host', relay.url, watch)
      tabs.push(host)
      await createVault(host.page)
      await hostingOn(host.page)
      await expect(host.page.getByTestId('network-summary')).toContainText('Online', { timeout: 30_000 })

      const owner = await openWatched(browser, 'owner', relay.url, watch)
      tabs.push(owner)
      const page: Page = owner.page
      // Restores go through the download fallback (the save picker is a native dialog).
      await owner.context.addInitScript(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true }))
      await page.reload()

      // --- A vault, then the self-test (under Settings): encode in the encoder Workers, rebuild
      // from 4 of 8 shares in the page, hash in the hasher Workers.
      await createVault(page)
      await page.getByRole('tab', { name: 'Settings' }).click()
      await page.getByLabel('Choose a file for a local round trip').setInputFiles({
        name: 'selftest.bin',
        mimeType: 'application/octet-stream',
        buffer: randomBytes(300 * KiB),
      })
      await expect(page.getByTestId('selftest-stage')).toHaveText('done', { timeout: 60_000 })
      await expect(page.getByTestId('selftest-message')).toContainText('every byte matches')
      const hashers = workersOf(watch, 'owner', /^\/assets\/hash\.worker-[\w-]+\.js$/)
      expect(hashers.length).toBeGreaterThan(0)
      // While the self-test's Workers are still up: WebAssembly compiles in them.
      for (const w of hashers) expect(await w.evaluate(probe, false)).toEqual({ wasmCompiles: true })

      // --- A backup to the host, a restore to disk.
      await page.getByRole('tab', { name: 'Files' }).click()
      await expect(page.getByTestId('network-summary')).toContainText('Online', { timeout: 30_000 })
      const file = testFile('under-csp.bin', 150 * KiB)
      await dropFiles(page, [file])
      await expect(page.getByTestId('upload-stage')).toHaveText(/^Backed up · on 1 host\b/, { timeout: 60_000 })
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 60_000 }),
        page.getByRole('button', { name: 'Restore under-csp.bin' }).click(),
      ])
      const restored = await readFile(await download.path())
      expect(sha256(restored)).toBe(file.sha256)
      await expect(page.getByTestId('restore-stage')).toHaveText('Saved')
      await expect.poll(() => sharesHosted(host.page), { timeout: 20_000 }).toBeGreaterThan(0)

      // Both kinds of Worker ran, from the app's own origin.
      const encoders = workersOf(watch, 'owner', /^\/assets\/encode\.worker-[\w-]+\.js$/)
      expect(encoders.length).toBeGreaterThan(0)
      for (const { worker } of watch.workers) expect(new URL(worker.url()).origin).toBe(new URL(relay.url).origin)

      // --- Nothing was refused anywhere (collected before the probes below, which refuse eval).
      await page.waitForTimeout(500) // console messages from Workers arrive asynchronously
      expect(watch.violations).toEqual([])
      expect(tabs.flatMap((t) => t.log).filter((l) => l.includes('pageerror'))).toEqual([])

      // --- The policy is in force in the page and in the encoder Workers, and lets WebAssembly in.
      expect(await page.evaluate(probe, true)).toEqual({ evalRefused: true, wasmCompiles: true })
      for (const w of encoders.slice(0, 2)) expect(await w.evaluate(probe, true)).toEqual({ evalRefused: true, wasmCompiles: true })
      // Relays on other hosts are reachable over WebSocket; fetch() is not (the suite's main relay
      // is another origin: another port).
      expect(new URL(baseURL!).origin).not.toBe(new URL(relay.url).origin)
      expect(await page.evaluate(probeConnect, new URL(baseURL!).origin)).toEqual({ webSocket: true, fetch: false })
    } catch (err) {
      await test.info().attach('console', { body: [...watch.violations, ...tabs.flatMap((t) => t.log)].slice(-300).join('\n') })
      throw err
    } finally {
      await closeTabs(tabs)
    }
  })
})
