/**
 * Every view, looked at: a full-page screenshot of each at 1280 px and 375 px wide, in light and
 * dark, saved under test-results/screenshots/, with the view's key elements asserted by role. An
 * owner backs up one file to three host tabs first, so the views show real content; last, it sets
 * a passphrase and the unlock screen is looked at.
 */
import { expect, test, type Page } from '@playwright/test'
import { closeTabs, createVault, dropFiles, openHost, openTab, testFile, type Tab } from './ui.ts'

const SIZES = [1280, 375] as const
const SCHEMES = ['light', 'dark'] as const

/** Screenshots of what the page shows now, at each width and colour scheme; returns to 1280 light. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme })
    for (const width of SIZES) {
      await page.setViewportSize({ width, height: 900 })
      // Nothing may stick out sideways at any width.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      expect(overflow, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0)
      await page.screenshot({ path: `test-results/screenshots/${name}-${width}-${colorScheme}.png`, fullPage: true, animations: 'disabled' })
    }
  }
  await page.emulateMedia({ colorScheme: 'light' })
  await page.setViewportSize({ width: 1280, height: 900 })
}

test.describe.serial('every view at 1280 and 375 px, light and dark', () => {
  test.setTimeout(180_000)
  const tabs: Tab[] = []
  let page: Page

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(180_000)
    tabs.push(...(await Promise.all(['host-a', 'host-b', 'host-c'].map((n) => openHost(browser, n)))))
    const owner = await openTab(browser, 'owner', { viewport: { width: 1280, height: 900 } })
    tabs.push(owner)
    page = owner.page
  })

  test.afterAll(async () => {
    await closeTabs(tabs)
  })

  test('first run', async () => {
    await expect(page.getByRole('heading', { name: 'Layr', level: 1 })).toBeVisible()
    await expect(page.getByText('only you can read it')).toBeVisible()
    await expect(page.getByRole('button', { name: 'Create a new vault' })).toBeVisible()
    await page.getByRole('button', { name: 'I have a recovery text' }).click()
    await expect(page.getByRole('textbox', { name: 'Recovery text' })).toBeVisible()
    await shoot(page, 'first-run')

    await page.getByRole('button', { name: 'Create a new vault' }).click()
    await expect(page.getByRole('heading', { name: 'Save your recovery text' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Copy the recovery text' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Download as a file' })).toBeVisible()
    await expect(page.getByText('If you lose it, your files are lost.')).toBeVisible()
    await shoot(page, 'first-run-recovery-text')
    await page.getByRole('checkbox', { name: 'I have saved my recovery text somewhere safe' }).check()
    await page.getByRole('button', { name: 'Continue to my files' }).click()
  })

  test('settings', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click()
    await expect(page.getByRole('tabpanel', { name: 'Settings' })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'Redundancy' })).toBeVisible()
    await page.getByRole('spinbutton', { name: 'Shares needed (k)' }).fill('2')
    await page.getByRole('spinbutton', { name: 'Shares made (n)' }).fill('3')
    await page.getByRole('button', { name: 'Save redundancy' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'new backups use 2 of 3' })).toBeVisible()
    await page.getByRole('button', { name: 'Show recovery text' }).click()
    await expect(page.getByRole('textbox', { name: 'Your recovery text' })).toHaveValue(/^layr1-/)
    await expect(page.getByRole('textbox', { name: 'Use another vault' })).toBeVisible()
    await expect(page.getByRole('textbox', { name: 'Relay addresses' })).toBeVisible()
    await expect(page.getByTestId('audit-figures')).toContainText(/^Each check asks every host for \d+ of the \d+ leaves of each share/)
    const wait = page.getByRole('spinbutton', { name: 'Rebuild the shares of a host that has been away for more than' })
    await expect(wait).toHaveValue('168') // the default wait: 7 days
    await wait.fill('48')
    await page.getByRole('button', { name: 'Save wait' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'away for more than 48 h are rebuilt elsewhere' })).toBeVisible()
    await shoot(page, 'settings')
    await page.getByRole('button', { name: 'Hide' }).click()
    // Importing asks first (it replaces this browser's vault), and a mistyped text is refused.
    await page.getByRole('textbox', { name: 'Use another vault' }).fill('layr1-NOT-A-REAL-ONE')
    await page.getByRole('button', { name: 'Import recovery text' }).click()
    const dialog = page.getByRole('dialog', { name: "Replace this browser's vault?" })
    await expect(dialog).toBeVisible()
    await shoot(page, 'settings-import-dialog')
    await dialog.getByRole('button', { name: 'Replace vault' }).click()
    await expect(dialog).toBeHidden()
    await expect(page.getByRole('alert')).toBeVisible()
    await expect(page.getByRole('alert')).not.toContainText(/\bat .*\.js/)
  })

  test('files', async () => {
    await page.getByRole('tab', { name: 'Files' }).click()
    await expect(page.getByRole('button', { name: /Drop files here/ })).toBeVisible()
    await expect(page.getByText('No files yet.')).toBeVisible()
    await shoot(page, 'files-empty')
    await dropFiles(page, [testFile('Quarterly report — final version with a long name.pdf', 3 * 1024 * 1024), testFile('notes.txt', 1200)])
    await expect(page.getByTestId('upload-stage')).toHaveText([/^Done/, /^Done/], { timeout: 120_000 })
    const list = page.getByRole('list', { name: 'Backed-up files' })
    await expect(list.getByRole('listitem')).toHaveCount(2)
    await expect(list.getByTestId('file-health')).toContainText([/3 of 3 verified/, /3 of 3 verified in each of its 2 parts/], { timeout: 60_000 })
    await expect(page.getByRole('button', { name: 'Check now: notes.txt' })).toBeEnabled()
    await page.getByText('What “verified” means').click()
    await expect(page.getByText(/A host that kept only half of a share is caught with probability \d+ % per check/)).toBeVisible()
    await expect(page.getByRole('searchbox', { name: 'Filter by name' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Restore notes.txt' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Delete notes.txt' })).toBeVisible()
    await shoot(page, 'files')
    await page.getByRole('button', { name: 'Delete notes.txt' }).click()
    await expect(page.getByRole('dialog', { name: 'Delete notes.txt?' })).toBeVisible()
    await shoot(page, 'files-delete-dialog')
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click()
  })

  test('hosting', async () => {
    await page.getByRole('tab', { name: 'Hosting' }).click()
    await expect(page.getByRole('switch', { name: 'Hosting' })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'Space' })).toBeVisible()
    await expect(page.getByRole('spinbutton', { name: 'Space to offer' })).toBeVisible()
    await expect(page.getByRole('progressbar', { name: 'Space used of the quota' })).toBeVisible()
    await expect(page.getByText('Persistent storage')).toBeVisible()
    await expect(page.getByText('Keep this tab open to host')).toBeVisible()
    // How to keep hosting (a tab: install or pin), and what owners are told of this host.
    await expect(page.getByTestId('keep-hosting')).toContainText('install Layr as an app (Install in the address bar), or pin this tab')
    await expect(page.getByTestId('keep-hosting')).toContainText(/Owners see a browser tab with (persistent storage|storage that is not persistent)/)
    await shoot(page, 'hosting')
    // A host's view, with shares in it.
    const host = tabs[0]!.page
    await expect(host.getByTestId('hosting-shares')).not.toHaveText('0', { timeout: 20_000 })
    await shoot(host, 'hosting-host')
  })

  test('network', async () => {
    await page.getByRole('tab', { name: 'Network' }).click()
    await expect(page.getByTestId('peer-id')).toHaveText(/^12D3Koo/)
    await expect(page.getByRole('button', { name: 'Copy your peer id' })).toBeVisible()
    await expect(page.getByTestId('relay-state')).toContainText('Connected')
    await expect(page.getByTestId('dht-size')).toBeVisible()
    await expect(page.getByRole('img', { name: /Drawing of your peers: 3 peers connected, and the relay; \d+ of your shares on 3 hosts\./ })).toBeVisible({
      timeout: 20_000,
    })
    await expect(page.getByRole('list', { name: 'Peers' })).toContainText('Direct (WebRTC)')
    // This owner's scores of its three hosts, after the audits of the files test.
    const scores = page.getByTestId('host-score')
    await expect(scores).toHaveCount(3)
    await expect(scores).toContainText([/Audit score\s*100 %/, /Audit score\s*100 %/, /Audit score\s*100 %/])
    await expect(scores.filter({ hasText: 'Disqualified' })).toHaveCount(0)
    await shoot(page, 'network')
  })

  test('unlock', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('New passphrase', { exact: true }).fill('paper lantern river')
    await page.getByLabel('Repeat the new passphrase').fill('paper lantern river')
    await page.getByRole('button', { name: 'Set passphrase' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'Passphrase set.' })).toBeVisible()
    await page.reload()
    await expect(page.getByRole('heading', { name: 'Unlock your vault' })).toBeVisible()
    await page.getByLabel('Passphrase', { exact: true }).fill('paper lantern rivet')
    await page.getByRole('button', { name: 'Unlock' }).click()
    await expect(page.getByRole('alert')).toContainText('does not unlock')
    await shoot(page, 'unlock')
    await page.getByRole('button', { name: 'Forgot it? Use the recovery text' }).click()
    await expect(page.getByRole('textbox', { name: 'Recovery text' })).toBeVisible()
    await shoot(page, 'unlock-recovery-text')
    await page.getByRole('button', { name: 'Forgot it? Use the recovery text' }).click()
    await page.getByLabel('Passphrase', { exact: true }).fill('paper lantern river')
    await page.getByRole('button', { name: 'Unlock' }).click()
    await expect(page.getByRole('tab', { name: 'Settings' })).toHaveAttribute('aria-selected', 'true')
  })
})

test('a second tab of the same browser says the other tab is the peer', async ({ browser }) => {
  const tab = await openTab(browser, 'peer-tab')
  try {
    await createVault(tab.page)
    await tab.page.getByRole('tab', { name: 'Hosting' }).click()
    await expect(tab.page.getByRole('switch', { name: 'Hosting' })).toHaveAttribute('aria-checked', 'true', { timeout: 30_000 })
    const second = await tab.context.newPage()
    await second.goto('/#hosting')
    await expect(second.getByText('Another tab of this browser is the peer.')).toBeVisible({ timeout: 30_000 })
    await expect(second.getByRole('switch', { name: 'Hosting' })).toBeDisabled()
    await second.setViewportSize({ width: 375, height: 800 })
    await second.screenshot({ path: 'test-results/screenshots/hosting-second-tab-375-light.png', fullPage: true })
  } finally {
    await closeTabs([tab])
  }
})
