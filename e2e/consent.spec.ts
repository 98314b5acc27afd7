/**
 * Consent to host (issue 11): a fresh profile says, before any vault exists, that the tab also
 * hosts other people's encrypted shares, with the space offered and a switch; the Hosting view is
 * reachable then too. Switched off, the tab stops hosting: an owner's backup finds only the other
 * host, and the switched-off tab holds nothing.
 */
import { expect, test } from '@playwright/test'
import { closeTabs, createVault, dropFiles, openHost, openTab, sharesHosted, testFile, type Tab } from './ui.ts'

test('a fresh profile shows hosting and its switch before any vault; switching it off stops hosting', async ({ browser }) => {
  test.setTimeout(150_000)
  const tabs: Tab[] = []
  try {
    const fresh = await openTab(browser, 'fresh')
    tabs.push(fresh)
    const page = fresh.page
    await expect(page.getByRole('button', { name: 'Create a new vault' })).toBeVisible()
    await expect(page.getByTestId('network-summary')).toContainText('Online', { timeout: 30_000 })

    // The first run says it, with the space and the switch; it hosts by default.
    const consent = page.getByTestId('hosting-consent')
    await expect(consent).toContainText("it keeps other people's encrypted shares in this browser")
    await expect(page.getByTestId('consent-quota')).toHaveText('1.0 GiB')
    const toggle = consent.getByRole('switch', { name: 'Hosting' })
    await expect(toggle).toHaveAttribute('aria-checked', 'true', { timeout: 30_000 })
    await expect(page.getByText('Try the pipeline on this device')).toHaveCount(0)
    await page.screenshot({ path: 'test-results/screenshots/consent-first-run.png', fullPage: true, animations: 'disabled' })

    // The Hosting view, before any vault.
    await page.getByRole('tab', { name: 'Hosting' }).click()
    await expect(page.getByRole('heading', { name: 'Host shares for others' })).toBeVisible()
    await expect(page.getByRole('tabpanel', { name: 'Hosting' }).getByRole('switch', { name: 'Hosting' })).toHaveAttribute('aria-checked', 'true')
    await page.getByRole('tab', { name: 'Get started' }).click()

    // Off: it says so, and the Hosting view agrees.
    await toggle.click()
    await expect(toggle).toHaveAttribute('aria-checked', 'false')
    await expect(consent.getByRole('status')).toContainText('Hosting is off: this tab takes and serves no shares for others.')
    await page.getByRole('tab', { name: 'Hosting' }).click()
    await expect(page.getByTestId('hosting-state')).toContainText('Hosting is off')

    // The choice holds over a reload, still without a vault.
    await page.reload()
    await page.getByRole('tab', { name: 'Get started' }).click()
    await expect(page.getByTestId('hosting-consent').getByRole('switch', { name: 'Hosting' })).toHaveAttribute('aria-checked', 'false', { timeout: 30_000 })
    await expect(page.getByTestId('network-summary')).toContainText('Online', { timeout: 30_000 })

    // An owner and one host that hosts: the backup finds one host, not two, and the tab that
    // switched hosting off keeps nothing.
    const [owner, host] = await Promise.all([openHost(browser, 'owner'), openHost(browser, 'host')])
    tabs.push(owner, host)
    await owner.page.getByRole('tab', { name: 'Files' }).click()
    await dropFiles(owner.page, [testFile('consent.bin', 200_000)])
    await expect(owner.page.getByTestId('upload-stage')).toHaveText(/ · on 1 host$/, { timeout: 90_000 })
    await host.page.getByRole('tab', { name: 'Hosting' }).click()
    await expect.poll(() => sharesHosted(host.page), { timeout: 20_000 }).toBeGreaterThan(0)

    await createVault(page)
    await page.getByRole('tab', { name: 'Hosting' }).click()
    await expect(page.getByRole('switch', { name: 'Hosting' })).toHaveAttribute('aria-checked', 'false')
    expect(await sharesHosted(page)).toBe(0)
    expect(tabs.flatMap((t) => t.log).filter((l) => l.includes('pageerror'))).toEqual([])
  } finally {
    await closeTabs(tabs)
  }
})
