/**
 * What a file survives, said plainly (issue 11), through the UI only. With k = 2, n = 3 on two
 * hosts, one host holds two shares of the segment and losing it loses the file: the queue says so
 * in amber, never a green Done, and the list agrees before and after the first check. With the
 * default 4 of 12 on three hosts (4 + 4 + 4), any two may go: green, "Survives losing any 2 hosts".
 */
import { expect, test } from '@playwright/test'
import { closeTabs, createVault, dropFiles, openHost, openTab, testFile, type Tab } from './ui.ts'

test('the survival words for 2 hosts (amber) and for enough hosts (green)', async ({ browser }) => {
  test.setTimeout(150_000)
  const tabs: Tab[] = []
  try {
    tabs.push(...(await Promise.all(['host-a', 'host-b'].map((n) => openHost(browser, n)))))
    const owner = await openTab(browser, 'owner')
    tabs.push(owner)
    const page = owner.page
    await createVault(page)
    await expect(page.getByTestId('network-summary')).toContainText('Online', { timeout: 30_000 })

    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByRole('spinbutton', { name: 'Shares needed (k)' }).fill('2')
    await page.getByRole('spinbutton', { name: 'Shares made (n)' }).fill('3')
    await page.getByRole('button', { name: 'Save redundancy' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'new backups use 2 of 3' })).toBeVisible()

    // Two hosts, three shares: amber, and it says what to do.
    await page.getByRole('tab', { name: 'Files' }).click()
    await dropFiles(page, [testFile('two-hosts.bin', 300_000)])
    const row = page.getByRole('list', { name: 'Backup queue' }).getByRole('listitem').first()
    await expect(row.getByTestId('upload-stage')).toHaveText('Backed up · on 2 hosts', { timeout: 90_000 })
    await expect(row).toHaveAttribute('data-tone', 'warn')
    await expect(row.getByTestId('upload-survival')).toHaveText('Survives no host loss: open Layr on more devices or wait for more hosts')
    await expect(row.getByText(/fewer hosts than shares/)).toHaveCount(0)
    const list = page.getByRole('list', { name: 'Backed-up files' })
    const first = list.getByRole('listitem').filter({ hasText: 'two-hosts.bin' })
    await expect(first.getByTestId('file-survival')).toContainText('Survives no host loss: open Layr on more devices or wait for more hosts')
    // Once checked, the verified figure says the same, and the dot is not green.
    await expect(first.getByTestId('file-health')).toContainText('3 of 3 verified', { timeout: 60_000 })
    await expect(first.getByTestId('file-survival')).toHaveText('Survives no host loss: open Layr on more devices or wait for more hosts')
    await expect(first.getByTestId('file-health')).not.toHaveClass(/\bgood\b/)

    // A third host and the default 4 of 12: four shares on each, any two hosts may go.
    tabs.push(await openHost(browser, 'host-c'))
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByRole('spinbutton', { name: 'Shares needed (k)' }).fill('4')
    await page.getByRole('spinbutton', { name: 'Shares made (n)' }).fill('12')
    await page.getByRole('button', { name: 'Save redundancy' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'new backups use 4 of 12' })).toBeVisible()
    await page.getByRole('tab', { name: 'Files' }).click()
    await page.getByRole('button', { name: 'Clear finished' }).click()
    await dropFiles(page, [testFile('three-hosts.bin', 300_000)])
    const second = page.getByRole('list', { name: 'Backup queue' }).getByRole('listitem').first()
    await expect(second.getByTestId('upload-stage')).toHaveText('Done · on 3 hosts', { timeout: 90_000 })
    await expect(second).toHaveAttribute('data-tone', 'ok')
    await expect(second.getByTestId('upload-survival')).toHaveText('Survives losing any 2 hosts')
    const third = list.getByRole('listitem').filter({ hasText: 'three-hosts.bin' })
    await expect(third.getByTestId('file-health')).toContainText('12 of 12 verified', { timeout: 60_000 })
    await expect(third.getByTestId('file-survival')).toHaveText('Survives losing any 2 hosts')
    await expect(third.getByTestId('file-health')).toHaveClass(/\bgood\b/)
    await page.screenshot({ path: 'test-results/screenshots/survival-files.png', fullPage: true, animations: 'disabled' })
    expect(tabs.flatMap((t) => t.log).filter((l) => l.includes('pageerror'))).toEqual([])
  } finally {
    await closeTabs(tabs)
  }
})
