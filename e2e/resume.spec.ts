/**
 * A backup's whole life across a reload, through the UI only: leaving mid-backup asks first; after
 * the reload the Files view lists the interrupted backup; Resume (the file picked again) places only
 * what is missing, the restore matches, and the hosts hold exactly the file's shares; Discard leaves
 * the hosts as they were before the backup began.
 */
import { expect, test, type Page } from '@playwright/test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closePeers, openPeer, restoreHash, type Peer } from './peers.ts'
import { heldKeys } from './helpers.ts'
import { createVault, testFile, type TestFile } from './ui.ts'

const MiB = 1024 * 1024

test.describe.serial('interrupted backups', () => {
  test.setTimeout(180_000)
  let owner: Peer
  let hosts: Peer[] = []
  const dir = mkdtempSync(join(tmpdir(), 'layr-resume-'))

  /** The file on disk, as a user picks it (a real path, so a second pick is the same file). */
  function onDisk(f: TestFile): string {
    const path = join(dir, f.name)
    writeFileSync(path, f.bytes)
    return path
  }

  /** Every share key held by the host tabs (and the owner's own tab), with repeats. */
  async function allHeld(): Promise<string[]> {
    return (await Promise.all([owner, ...hosts].map((p) => heldKeys(p.page)))).flat()
  }

  /** Backs `path` up through the chooser, then reloads the tab part-way, accepting the "leave?" prompt. */
  async function backupThenReload(page: Page, path: string, name: string): Promise<void> {
    const asked: string[] = []
    const onDialog = (d: import('@playwright/test').Dialog): void => {
      asked.push(d.type())
      void d.accept()
    }
    page.on('dialog', onDialog)
    await page.getByLabel('Choose files to back up').setInputFiles(path)
    // As soon as its bar shows a fifth of the shares placed (the bar is shares placed ÷ all of them).
    await page.waitForFunction(
      (name) => {
        const bar = document.querySelector<HTMLProgressElement>(`progress[aria-label="Backing up ${name}"]`)
        return bar !== null && bar.hasAttribute('value') && bar.value >= 0.2 && bar.value < 0.8
      },
      name,
      { polling: 'raf', timeout: 60_000 },
    )
    // The page holds a "leave?" handler while the backup runs (Chromium shows the prompt only
    // to a page the person has interacted with: the click below is that).
    expect(await page.evaluate(() => !window.dispatchEvent(new Event('beforeunload', { cancelable: true })))).toBe(true)
    await page.getByRole('tab', { name: 'Files' }).click()
    await page.reload()
    page.off('dialog', onDialog)
    // Leaving mid-backup asked first.
    expect(asked).toContain('beforeunload')
  }

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(120_000)
    const all = await Promise.all([openPeer(browser, 'owner'), ...['h1', 'h2', 'h3'].map((n) => openPeer(browser, n))])
    owner = all[0]!
    hosts = all.slice(1)
    await createVault(owner.page)
  })

  test.afterAll(async () => {
    await closePeers([owner, ...hosts].filter(Boolean))
    rmSync(dir, { recursive: true, force: true })
  })

  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('console', {
        body: [owner, ...hosts]
          .flatMap((p) => p?.log ?? [])
          .slice(-300)
          .join('\n'),
      })
      await testInfo.attach('owner', { body: await owner.page.screenshot({ fullPage: true }), contentType: 'image/png' })
    }
  })

  test('a reload mid-backup leaves it interrupted; Resume finishes it, the restore matches, and no share is orphaned', async () => {
    const file = testFile('forty.bin', 40 * MiB)
    const path = onDisk(file)
    const page = owner.page
    await backupThenReload(page, path, file.name)

    const row = page.getByTestId('interrupted-row')
    await expect(row).toHaveCount(1, { timeout: 30_000 })
    await expect(row).toContainText('forty.bin')
    // 40 MiB is 11 parts of 12 shares (a part holds 4 MiB less the encryption tags).
    await expect(row.getByTestId('interrupted-state')).toContainText(/Interrupted · \d+ of 132 shares placed/)
    const placed = Number((await row.getByTestId('interrupted-state').textContent())!.match(/(\d+) of 132/)![1])
    expect(placed).toBeGreaterThanOrEqual(1)
    expect(placed).toBeLessThan(132)

    // Resume asks for the file again (a picked file keeps no handle), then places the rest.
    const chooser = page.waitForEvent('filechooser')
    await row.getByTestId('interrupted-resume').click()
    await (await chooser).setFiles(path)
    await expect(page.getByRole('button', { name: 'Delete forty.bin' })).toBeVisible({ timeout: 120_000 })
    await expect(page.getByTestId('file-health')).toHaveCount(1)
    await expect(page.getByTestId('interrupted-state')).toHaveCount(0)

    const fileId = await page.evaluate(async () => (await (await window.layrReady).files())[0]!.id)
    const restored = await restoreHash(page, fileId)
    expect(restored.sha256).toBe(file.sha256)
    // Exactly the file's 132 shares, each on one host: nothing left over from the first try.
    const held = await allHeld()
    expect(held).toHaveLength(132)
    expect(new Set(held).size).toBe(132)
  })

  test('Discard leaves the hosts holding what they held before the backup began', async () => {
    const page = owner.page
    const before = (await allHeld()).sort()
    const path = onDisk(testFile('discarded.bin', 40 * MiB))
    await backupThenReload(page, path, 'discarded.bin')
    const row = page.getByTestId('interrupted-row').filter({ hasText: 'discarded.bin' })
    await expect(row).toHaveCount(1, { timeout: 30_000 })
    await row.getByTestId('interrupted-discard').click()
    await expect(row).toHaveCount(0, { timeout: 60_000 })
    await expect.poll(async () => (await allHeld()).sort(), { timeout: 30_000 }).toEqual(before)
    // It is gone for good: a reload lists nothing interrupted.
    await page.reload()
    await expect(page.getByRole('button', { name: 'Delete forty.bin' })).toBeVisible({ timeout: 30_000 })
    await expect(page.getByTestId('file-health')).toHaveCount(1)
    await expect(page.getByTestId('interrupted-row')).toHaveCount(0)
  })
})
