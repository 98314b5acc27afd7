/**
 * A person's whole first session, through the page only: the first run and the recovery text,
 * redundancy set in Settings, two files dropped on the page and backed up to other people's tabs,
 * one restored to disk (compared byte for byte), one deleted, and hosting seen from a host's side.
 * Four other browser contexts are the hosts (each its own profile and peer, hosting on).
 */
import { expect, test, type Page } from '@playwright/test'
import { readFile } from 'node:fs/promises'
import { closeTabs, createVault, dropFiles, openHost, openTab, sha256, sharesHosted, testFile, type Tab } from './ui.ts'

const KiB = 1024
const MiB = 1024 * KiB

/** Every text the backup rows showed, in order of first appearance (a MutationObserver in the page). */
async function recordStages(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = []
    Object.assign(window, { __stages: seen })
    const look = (): void => {
      for (const el of document.querySelectorAll('[data-testid="upload-stage"]')) {
        const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim()
        if (!seen.includes(text)) seen.push(text)
      }
    }
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true })
  })
}

test('first run, back up two dropped files, restore one to disk, delete the other, and host', async ({ browser }) => {
  test.setTimeout(300_000)
  const tabs: Tab[] = []
  try {
    // Hosts: other people's tabs with hosting on (n = 3 needs three; one more for slack).
    const hosts = await Promise.all(['host-1', 'host-2', 'host-3', 'host-4'].map((n) => openHost(browser, n)))
    tabs.push(...hosts)

    const owner = await openTab(browser, 'owner', { permissions: ['clipboard-read', 'clipboard-write'] })
    tabs.push(owner)
    const page = owner.page
    // Restores go through the download fallback (the save picker is a native dialog).
    await owner.context.addInitScript(() => Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true }))
    await page.reload()

    // --- First run: what Layr does, then the vault and its recovery text.
    await expect(page.getByRole('heading', { name: 'Layr', level: 1 })).toBeVisible()
    await expect(page.getByText('only you can read it')).toBeVisible()
    await expect(page.getByRole('button', { name: 'I have a recovery text' })).toBeVisible()
    await page.getByRole('button', { name: 'Create a new vault' }).click()
    await expect(page.getByRole('heading', { name: 'Save your recovery text' })).toBeVisible()
    await expect(page.getByText('If you lose it, your files are lost.')).toBeVisible()
    const recovery = await page.getByRole('textbox', { name: 'Your recovery text' }).inputValue()
    expect(recovery).toMatch(/^layr1-[0-9A-Z-]+$/)

    await page.getByRole('button', { name: 'Copy the recovery text' }).click()
    await expect(page.getByRole('button', { name: 'Copy the recovery text' })).toHaveText('Copied')
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(recovery)

    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as a file' }).click()])
    expect(saved.suggestedFilename()).toBe('layr-recovery-text.txt')
    expect(await readFile(await saved.path(), 'utf8')).toContain(recovery)

    const go = page.getByRole('button', { name: 'Continue to my files' })
    await expect(go).toBeDisabled()
    await page.getByRole('checkbox', { name: 'I have saved my recovery text somewhere safe' }).check()
    await go.click()
    await expect(page.getByRole('tab', { name: 'Files' })).toHaveAttribute('aria-selected', 'true')

    // --- Settings: an impossible redundancy is refused with its reason; k = 2, n = 3 is kept.
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByRole('spinbutton', { name: 'Shares needed (k)' }).fill('3')
    await page.getByRole('spinbutton', { name: 'Shares made (n)' }).fill('3')
    await page.getByRole('button', { name: 'Save redundancy' }).click()
    await expect(page.getByRole('alert')).toContainText('must be less than n')
    await page.getByRole('spinbutton', { name: 'Shares needed (k)' }).fill('2')
    await expect(page.getByTestId('redundancy-explain')).toContainText('survives losing 1 host, and takes 1.5× its size')
    await page.getByRole('button', { name: 'Save redundancy' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'new backups use 2 of 3' })).toBeVisible()

    // --- Files: drop two files at once; they are backed up one after the other.
    await page.getByRole('tab', { name: 'Files' }).click()
    const alpha = testFile('alpha.bin', 5 * MiB + 4321)
    const beta = testFile('beta.txt', 200 * KiB)
    await recordStages(page)
    await dropFiles(page, [alpha, beta])
    const queue = page.getByRole('list', { name: 'Backup queue' })
    await expect(queue.getByRole('listitem')).toHaveCount(2)
    await expect(page.getByRole('progressbar', { name: 'Backing up alpha.bin' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Cancel backup of beta.txt' })).toBeVisible()
    await expect(page.getByTestId('upload-stage')).toHaveText([/^Done · on \d hosts$/, /^Done · on \d hosts$/], { timeout: 120_000 })
    await expect(page.getByRole('progressbar', { name: 'Backing up alpha.bin' })).toHaveAttribute('value', '1')
    const stages = await page.evaluate(() => (window as unknown as { __stages: string[] }).__stages)
    expect(stages).toContain('Waiting') // beta waited its turn
    expect(stages).toContain('Finding hosts')
    expect(
      stages.some((s) => /^Placing shares: \d+ of \d+$/.test(s)),
      stages.join(' | '),
    ).toBe(true)

    const list = page.getByRole('list', { name: 'Backed-up files' })
    await expect(list.getByRole('listitem')).toHaveCount(2)
    await expect(list).toContainText('alpha.bin')
    await expect(list).toContainText('5.0 MiB')
    await expect(list).toContainText('any 2 of 3 shares')
    // Health: the new files are audited once the queue is done; every share proved, one host to spare.
    const health = list.getByTestId('file-health').first()
    await expect(health).toContainText(/3 of 3 verified · last check just now/, { timeout: 60_000 })
    await expect(list.getByTestId('file-survival').first()).toHaveText('Survives losing any 1 host')
    await expect(list).not.toContainText('Healthy')
    await expect(page.getByRole('button', { name: 'Repair now: alpha.bin' })).toBeDisabled() // nothing to repair

    // Filter by name.
    await page.getByRole('searchbox', { name: 'Filter by name' }).fill('alp')
    await expect(list.getByRole('listitem')).toHaveCount(1)
    await expect(list).toContainText('alpha.bin')
    await page.getByRole('searchbox', { name: 'Filter by name' }).fill('')
    await expect(list.getByRole('listitem')).toHaveCount(2)

    // --- Restore alpha.bin to disk; every byte comes back.
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 90_000 }), page.getByRole('button', { name: 'Restore alpha.bin' }).click()])
    expect(download.suggestedFilename()).toBe('alpha.bin')
    const restored = await readFile(await download.path())
    expect(restored.length).toBe(alpha.bytes.length)
    expect(sha256(restored)).toBe(alpha.sha256)
    await expect(page.getByRole('progressbar', { name: 'Restoring alpha.bin' })).toHaveAttribute('value', '1')
    await expect(page.getByTestId('restore-stage')).toHaveText('Saved')

    // Where the browser has a save picker, the file streams into the chosen file instead (a
    // stand-in picker here: the real one is a native dialog).
    await page.evaluate(() => {
      const chunks: Uint8Array[] = []
      const w = window as unknown as Record<string, unknown>
      w.__saved = chunks
      Object.defineProperty(window, 'showSaveFilePicker', {
        configurable: true,
        value: async (o?: { suggestedName?: string }) => {
          w.__suggested = o?.suggestedName
          return {
            createWritable: async () => new WritableStream<Uint8Array>({ write: (c) => void chunks.push(c.slice()), close: () => void (w.__closed = true) }),
          }
        },
      })
    })
    await page.getByRole('button', { name: 'Restore alpha.bin' }).click()
    await page.waitForFunction(() => (window as unknown as { __closed?: boolean }).__closed === true, undefined, { timeout: 90_000 })
    const streamed = await page.evaluate(async () => {
      const w = window as unknown as { __saved: Uint8Array[]; __suggested: string }
      const all = new Uint8Array(await new Blob(w.__saved as BlobPart[]).arrayBuffer())
      const d = new Uint8Array(await crypto.subtle.digest('SHA-256', all))
      return { name: w.__suggested, parts: w.__saved.length, sha256: Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('') }
    })
    expect(streamed.name).toBe('alpha.bin')
    expect(streamed.parts).toBeGreaterThan(1) // written as it was decoded, not in one piece
    expect(streamed.sha256).toBe(alpha.sha256)
    await expect(page.getByTestId('restore-stage')).toHaveText('Saved')

    // --- Delete beta.txt: the page asks first; Cancel keeps it.
    const hostShares = async (): Promise<number> => (await Promise.all(hosts.map((h) => sharesHosted(h.page)))).reduce((a, b) => a + b, 0)
    await expect.poll(hostShares, { timeout: 20_000 }).toBeGreaterThan(0)
    const before = await hostShares()
    await page.getByRole('button', { name: 'Delete beta.txt' }).click()
    const dialog = page.getByRole('dialog', { name: 'Delete beta.txt?' })
    await expect(dialog).toBeVisible()
    await expect(dialog).toContainText('This cannot be undone.')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await expect(dialog).toBeHidden()
    await expect(list.getByRole('listitem')).toHaveCount(2)
    await page.getByRole('button', { name: 'Delete beta.txt' }).click()
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await expect(list.getByRole('listitem')).toHaveCount(1, { timeout: 60_000 })
    await expect(list).not.toContainText('beta.txt')
    await expect(page.getByRole('status').filter({ hasText: 'beta.txt is deleted; 3 shares removed' })).toBeAttached()
    // Its hosts were told: beta.txt's three shares (one segment × n) are gone from them.
    await expect.poll(hostShares, { timeout: 20_000 }).toBe(before - 3)

    // --- The Network view shows the peers the shares went to.
    await page.getByRole('tab', { name: 'Network' }).click()
    await expect(page.getByTestId('peer-id')).toHaveText(/^12D3Koo/)
    await expect(page.getByTestId('relay-state')).toContainText('Connected')
    await expect(page.getByRole('img', { name: /Drawing of your peers/ })).toBeVisible()
    await expect(page.getByRole('list', { name: 'Peers' })).toContainText('Direct (WebRTC)')

    // --- Hosting, from a host's side: the space used, the quota, on and off.
    const host = hosts[0]!.page
    await expect(host.getByTestId('hosting-used')).not.toHaveText(/^0 B/)
    await host.getByRole('spinbutton', { name: 'Space to offer' }).fill('512')
    await host.getByRole('combobox', { name: 'Unit' }).selectOption('MiB')
    await host.getByRole('button', { name: 'Save quota' }).click()
    await expect(host.getByText('of 512 MiB offered')).toBeVisible()
    await expect(host.getByRole('progressbar', { name: 'Space used of the quota' })).toBeVisible()
    await expect(host.getByText('Keep this tab open to host')).toBeVisible()
    const toggle = host.getByRole('switch', { name: 'Hosting' })
    await toggle.click()
    await expect(toggle).toHaveAttribute('aria-checked', 'false')
    await toggle.click()
    await expect(toggle).toHaveAttribute('aria-checked', 'true')

    // --- Another device: a wrong recovery text is refused with its reason; the right one brings
    // the file list back from the network (without the deleted file).
    const laptop = await openTab(browser, 'laptop')
    tabs.push(laptop)
    await laptop.page.getByRole('button', { name: 'I have a recovery text' }).click()
    const field = laptop.page.getByRole('textbox', { name: 'Recovery text' })
    await field.fill(recovery.slice(0, -1) + (recovery.endsWith('0') ? '1' : '0'))
    await laptop.page.getByRole('button', { name: 'Restore my vault' }).click()
    await expect(laptop.page.getByRole('alert')).toBeVisible()
    await expect(laptop.page.getByRole('alert')).not.toContainText(/\bat .*\.js/)
    await field.fill(recovery)
    await laptop.page.getByRole('button', { name: 'Restore my vault' }).click()
    const laptopList = laptop.page.getByRole('list', { name: 'Backed-up files' })
    await expect(laptopList).toContainText('alpha.bin', { timeout: 60_000 })
    await expect(laptopList.getByRole('listitem')).toHaveCount(1)

    // Nothing went to the console as an uncaught error.
    expect(tabs.flatMap((t) => t.log).filter((l) => l.includes('pageerror'))).toEqual([])
  } catch (err) {
    const stages = await tabs
      .find((t) => t.name === 'owner')
      ?.page.evaluate(() => (window as unknown as { __stages?: string[] }).__stages ?? [])
      .catch(() => [])
    await test.info().attach('console', { body: [`stages: ${(stages ?? []).join(' | ')}`, ...tabs.flatMap((t) => t.log).slice(-300)].join('\n') })
    throw err
  } finally {
    await closeTabs(tabs)
  }
})

test('from the keyboard: tabs with arrows, the picker behind the drop zone; cancel, and a failure that says why', async ({ browser }) => {
  const tab = await openTab(browser, 'keyboard')
  try {
    const page = tab.page
    await createVault(page)
    const files = page.getByRole('tab', { name: 'Files' })
    await files.focus()
    await page.keyboard.press('ArrowRight')
    await expect(page.getByRole('tab', { name: 'Hosting' })).toBeFocused()
    await expect(page.getByRole('tabpanel', { name: 'Hosting' })).toBeVisible()
    await page.keyboard.press('End')
    await expect(page.getByRole('tab', { name: 'Settings' })).toHaveAttribute('aria-selected', 'true')
    await page.keyboard.press('Home')
    await expect(files).toHaveAttribute('aria-selected', 'true')
    await expect(page.getByRole('tabpanel', { name: 'Files' })).toBeVisible()
    // Enter on the drop zone opens the file picker.
    const chooser = page.waitForEvent('filechooser')
    await page.getByRole('button', { name: /Drop files here/ }).focus()
    await page.keyboard.press('Enter')
    const fc = await chooser
    expect(fc.isMultiple()).toBe(true)
    // With no hosts at all: a backup can be cancelled while it looks for hosts, and the next one
    // fails with a message a person can act on, not a stack trace.
    await fc.setFiles([
      { name: 'first.txt', mimeType: 'text/plain', buffer: Buffer.from('cancel me') },
      { name: 'lonely.txt', mimeType: 'text/plain', buffer: Buffer.from('nobody to keep me') },
    ])
    const stages = page.getByTestId('upload-stage')
    await expect(stages).toHaveText(['Finding hosts', 'Waiting'])
    await page.getByRole('button', { name: 'Cancel backup of first.txt' }).click()
    await expect(stages.first()).toHaveText('Cancelled', { timeout: 5_000 })
    await expect(stages.nth(1)).toHaveText('Failed', { timeout: 60_000 })
    const alert = page.getByRole('list', { name: 'Backup queue' }).getByRole('alert')
    await expect(alert).toHaveCount(1)
    await expect(alert).toContainText(/host/)
    await expect(alert).not.toContainText(/\bat .*\.js/)
    await page.getByRole('button', { name: 'Clear finished' }).click()
    await expect(page.getByRole('list', { name: 'Backup queue' })).toHaveCount(0)
  } finally {
    await closeTabs([tab])
  }
})
