/**
 * Driving the app the way a person does: through its pages, by role and accessible name. Each
 * peer is its own browser context (its own profile, vault and identity).
 */
import { expect, type Browser, type BrowserContext, type JSHandle, type Page } from '@playwright/test'
import { createHash, randomBytes } from 'node:crypto'

export interface Tab {
  readonly name: string
  readonly context: BrowserContext
  readonly page: Page
  readonly log: string[]
}

export async function openTab(browser: Browser, name: string, options: Parameters<Browser['newContext']>[0] = {}): Promise<Tab> {
  const context = await browser.newContext(options)
  const page = await context.newPage()
  const log: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.push(`[${name}] ${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => log.push(`[${name}] pageerror: ${e.message}`))
  await page.goto('/')
  return { name, context, page, log }
}

export async function closeTabs(tabs: readonly (Tab | undefined)[]): Promise<void> {
  await Promise.all(tabs.map(async (t) => t?.context.close().catch(() => undefined)))
}

/** First run: creates the vault, confirms the recovery text is saved; returns the text. */
export async function createVault(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Create a new vault' }).click()
  const text = await page.getByRole('textbox', { name: 'Your recovery text' }).inputValue()
  expect(text).toMatch(/^layr1-/)
  await page.getByRole('checkbox', { name: 'I have saved my recovery text somewhere safe' }).check()
  await page.getByRole('button', { name: 'Continue to my files' }).click()
  await expect(page.getByRole('tab', { name: 'Files' })).toHaveAttribute('aria-selected', 'true')
  return text
}

/** Opens the Hosting view and makes sure hosting is on (it starts by itself by default). */
export async function hostingOn(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'Hosting' }).click()
  const toggle = page.getByRole('switch', { name: 'Hosting' })
  await expect(toggle).toBeEnabled({ timeout: 30_000 })
  if ((await toggle.getAttribute('aria-checked')) !== 'true') await toggle.click()
  await expect(toggle).toHaveAttribute('aria-checked', 'true', { timeout: 30_000 })
}

/** A host tab: opened, vault made, hosting on, online through the relay. */
export async function openHost(browser: Browser, name: string): Promise<Tab> {
  const tab = await openTab(browser, name)
  await createVault(tab.page)
  await hostingOn(tab.page)
  await expect(tab.page.getByTestId('network-summary')).toContainText('Online', { timeout: 30_000 })
  return tab
}

/** "Shares hosted" as the Hosting view shows it. */
export async function sharesHosted(page: Page): Promise<number> {
  return Number(await page.getByTestId('hosting-shares').textContent())
}

export interface TestFile {
  readonly name: string
  readonly bytes: Buffer
  readonly sha256: string
}

export function testFile(name: string, size: number): TestFile {
  const bytes = randomBytes(size)
  return { name, bytes, sha256: createHash('sha256').update(bytes).digest('hex') }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** A DataTransfer holding `files`, made in the page, as a drop event carries it. */
export async function dataTransfer(page: Page, files: readonly TestFile[]): Promise<JSHandle<DataTransfer>> {
  return page.evaluateHandle(
    (list) => {
      const dt = new DataTransfer()
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))
        dt.items.add(new File([bytes], f.name, { type: f.type }))
      }
      return dt
    },
    files.map((f) => ({ name: f.name, b64: f.bytes.toString('base64'), type: f.name.endsWith('.txt') ? 'text/plain' : 'application/octet-stream' })),
  )
}

/** Drops `files` on the Files view's drop zone, as dragging them from the desktop does. */
export async function dropFiles(page: Page, files: readonly TestFile[]): Promise<void> {
  const dt = await dataTransfer(page, files)
  const zone = page.getByRole('button', { name: /Drop files here/ })
  await zone.dispatchEvent('dragenter', { dataTransfer: dt })
  await zone.dispatchEvent('dragover', { dataTransfer: dt })
  await zone.dispatchEvent('drop', { dataTransfer: dt })
  await dt.dispose()
}
