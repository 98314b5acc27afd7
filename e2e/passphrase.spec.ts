/**
 * The optional passphrase, through the page only: chosen at the first run, the vault is kept in
 * this browser only as a locked record (read back raw from IndexedDB and localStorage); the app
 * opens on an unlock screen that shows nothing of the owner's files while the tab goes on
 * hosting; a wrong passphrase is refused with a message, the right one opens the files; Settings
 * changes and removes it; a forgotten one is replaced through the recovery text. Last, the files
 * of a real browser profile on disk: a vault locked at the first run was never written in the clear.
 */
import { expect, test, type Page } from '@playwright/test'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseRecoveryText } from '../src/core/vault/recovery-text.ts'
import { closeTabs, dropFiles, openHost, openTab, sharesHosted, testFile, type Tab } from './ui.ts'

const FIRST = 'lantern orchard 42'
const SECOND = 'granite kettle mosaic'
const THIRD = 'quiet harbour at dawn'

/**
 * Everything this origin keeps in IndexedDB and localStorage, as hex: every string as its UTF-8
 * bytes and every byte array as itself, walked through every database, store and record. Also
 * the values of the vault's own database (byte arrays shown by their length).
 */
async function storage(page: Page): Promise<{ hex: string; records: number; vault: unknown[] }> {
  return page.evaluate(async () => {
    const parts: string[] = []
    const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
    const walk = (v: unknown): void => {
      if (typeof v === 'string') parts.push(hex(new TextEncoder().encode(v)))
      else if (v instanceof Uint8Array) parts.push(hex(v))
      else if (v instanceof ArrayBuffer) parts.push(hex(new Uint8Array(v)))
      else if (ArrayBuffer.isView(v)) parts.push(hex(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)))
      else if (Array.isArray(v)) v.forEach(walk)
      else if (v instanceof Map) for (const [k, x] of v) (walk(k), walk(x))
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) (walk(k), walk(x))
      else parts.push(hex(new TextEncoder().encode(String(v))))
    }
    const done = <T>(r: IDBRequest<T>): Promise<T> => new Promise((ok, no) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => no(r.error))))
    let records = 0
    const vault: unknown[] = []
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue
      const db = await done(indexedDB.open(name))
      for (const store of Array.from(db.objectStoreNames)) {
        const s = db.transaction(store, 'readonly').objectStore(store)
        const [keys, values] = await Promise.all([done(s.getAllKeys()), done(s.getAll())])
        walk(keys)
        walk(values)
        records += values.length
        if (name === 'layr-vault') {
          for (const v of values) {
            vault.push(
              typeof v === 'object' && v !== null
                ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x instanceof Uint8Array ? `${x.length} bytes` : x]))
                : v,
            )
          }
        }
      }
      db.close()
    }
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i) ?? ''
      walk(key)
      walk(localStorage.getItem(key))
    }
    return { hex: parts.join('|'), records, vault }
  })
}

/** The recovery text in each form it could be kept in: as shown, without dashes, any case, and its raw secret. */
function secretForms(recovery: string): string[] {
  const body = recovery.slice('layr1-'.length).replace(/-/g, '')
  const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex')
  return [hex(recovery), hex(recovery.toLowerCase()), hex(body), hex(body.toLowerCase()), Buffer.from(parseRecoveryText(recovery)).toString('hex')]
}

function leaks(dump: { hex: string }, recovery: string): number {
  return secretForms(recovery).filter((f) => dump.hex.includes(f)).length
}

const LOCKED = {
  format: 'layr-locked-vault',
  version: 1,
  kdf: 'PBKDF2-HMAC-SHA256',
  iterations: 600_000,
  cipher: 'AES-256-GCM',
  salt: '16 bytes',
  iv: '12 bytes',
}

async function unlock(page: Page, passphrase: string): Promise<void> {
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase)
  await page.getByRole('button', { name: 'Unlock' }).click()
}

test('a passphrase keeps the vault locked in this browser; it is asked for on opening, changed, forgotten and removed', async ({ browser }) => {
  test.setTimeout(300_000)
  const tabs: Tab[] = []
  try {
    // One other person's tab: it hosts the owner's file, and later backs up to the owner's tab.
    const host = await openHost(browser, 'host')
    tabs.push(host)
    const owner = await openTab(browser, 'owner')
    tabs.push(owner)
    const page = owner.page
    const files = page.getByRole('list', { name: 'Backed-up files' })
    const lockedScreen = page.getByRole('heading', { name: 'Unlock your vault' })

    // --- First run: the vault, its recovery text, and the optional passphrase.
    await page.getByRole('button', { name: 'Create a new vault' }).click()
    const recovery = await page.getByRole('textbox', { name: 'Your recovery text' }).inputValue()
    await page.getByRole('checkbox', { name: 'I have saved my recovery text somewhere safe' }).check()
    await expect(page.getByLabel('New passphrase', { exact: true })).toHaveCount(0)
    await page.getByRole('checkbox', { name: 'Protect my vault in this browser with a passphrase' }).check()
    await expect(page.getByText('If you forget the passphrase, open your vault again with the recovery text.')).toBeVisible()
    await page.getByLabel('New passphrase', { exact: true }).fill(FIRST)
    await page.getByLabel('Repeat the new passphrase').fill(FIRST + '!')
    await page.getByRole('button', { name: 'Continue to my files' }).click()
    await expect(page.getByRole('alert')).toContainText('The two passphrases are not the same')
    await expect(page.getByRole('heading', { name: 'Save your recovery text' })).toBeVisible()
    await page.getByLabel('Repeat the new passphrase').fill(FIRST)
    await page.getByRole('button', { name: 'Continue to my files' }).click()
    await expect(page.getByRole('tab', { name: 'Files' })).toHaveAttribute('aria-selected', 'true')

    // A file of this vault, backed up to the host.
    const file = testFile('diary.txt', 50 * 1024)
    await dropFiles(page, [file])
    await expect(page.getByTestId('upload-stage')).toHaveText(/^(Done|Backed up) · on/, { timeout: 120_000 })
    await expect(files).toContainText('diary.txt')

    // --- What the browser keeps: the locked record, and the recovery text nowhere.
    let dump = await storage(page)
    expect(dump.vault).toEqual([expect.objectContaining(LOCKED)])
    expect(dump.records).toBeGreaterThan(1) // the vault, and the file's manifest at least
    expect(leaks(dump, recovery)).toBe(0)

    // --- Opening again: the unlock screen, before anything else; nothing of the owner's files.
    await page.reload()
    await expect(lockedScreen).toBeVisible()
    await expect(page.getByRole('tab')).toHaveCount(0)
    await expect(page.getByText('diary.txt')).toHaveCount(0)

    // While it is locked the tab still hosts: the other person backs up, and this tab is the only
    // other peer there is to take the shares.
    await host.page.getByRole('tab', { name: 'Files' }).click()
    await dropFiles(host.page, [testFile('from-host.bin', 100 * 1024)])
    await expect(host.page.getByTestId('upload-stage')).toHaveText(/^Backed up · on 1 host/, { timeout: 120_000 })
    await expect(lockedScreen).toBeVisible()

    // A wrong passphrase is refused, saying what to do; the right one opens the files.
    await unlock(page, 'lantern orchard 24')
    await expect(page.getByRole('alert')).toContainText('That passphrase does not unlock this vault')
    await expect(page.getByRole('alert')).toContainText('recovery text')
    await expect(page.getByRole('tab')).toHaveCount(0)
    await unlock(page, FIRST)
    await expect(files).toContainText('diary.txt')
    await page.getByRole('tab', { name: 'Hosting' }).click()
    await expect.poll(() => sharesHosted(page), { timeout: 20_000 }).toBeGreaterThan(0)

    // --- Settings: it says so; a short passphrase is refused; then it is changed.
    await page.getByRole('tab', { name: 'Settings' }).click()
    await expect(page.getByTestId('passphrase-state')).toHaveText('Your vault is kept in this browser under a passphrase.')
    await page.getByLabel('New passphrase', { exact: true }).fill('short')
    await page.getByLabel('Repeat the new passphrase').fill('short')
    await page.getByRole('button', { name: 'Change passphrase' }).click()
    await expect(page.getByRole('alert')).toContainText('at least 8 characters')
    await page.getByLabel('New passphrase', { exact: true }).fill(SECOND)
    await page.getByLabel('Repeat the new passphrase').fill(SECOND)
    await page.getByRole('button', { name: 'Change passphrase' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'Passphrase changed.' })).toBeVisible()
    expect(leaks(await storage(page), recovery)).toBe(0)

    await page.reload()
    await unlock(page, FIRST)
    await expect(page.getByRole('alert')).toContainText('does not unlock')
    await unlock(page, SECOND)
    await expect(page.getByRole('tab', { name: 'Settings' })).toBeVisible()

    // --- Removed: the dialog asks first; then the text is kept plain (which the scan above
    // would have found), and the app opens without asking.
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByRole('button', { name: 'Remove passphrase' }).click()
    const dialog = page.getByRole('dialog', { name: 'Remove the passphrase?' })
    await expect(dialog).toContainText('unprotected')
    await dialog.getByRole('button', { name: 'Remove passphrase' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'Passphrase removed.' })).toBeVisible()
    await expect(page.getByTestId('passphrase-state')).toContainText('without a passphrase')
    dump = await storage(page)
    expect(dump.vault).toEqual([recovery])
    expect(leaks(dump, recovery)).toBeGreaterThan(0)

    await page.reload()
    await page.getByRole('tab', { name: 'Files' }).click() // the page opens on the view it was left on
    await expect(files).toContainText('diary.txt')
    await expect(lockedScreen).toHaveCount(0)

    // --- Set again in Settings, then forgotten: the recovery text opens the vault, under a new one.
    await page.getByRole('tab', { name: 'Settings' }).click()
    await page.getByLabel('New passphrase', { exact: true }).fill(SECOND)
    await page.getByLabel('Repeat the new passphrase').fill(SECOND)
    await page.getByRole('button', { name: 'Set passphrase' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'Passphrase set.' })).toBeVisible()
    await page.reload()
    await expect(lockedScreen).toBeVisible()
    await page.getByRole('button', { name: 'Forgot it? Use the recovery text' }).click()
    await page.getByRole('textbox', { name: 'Recovery text' }).fill(recovery)
    await page.getByRole('checkbox', { name: 'Protect my vault in this browser with a passphrase' }).check()
    await page.getByLabel('New passphrase', { exact: true }).fill(THIRD)
    await page.getByLabel('Repeat the new passphrase').fill(THIRD)
    await page.getByRole('button', { name: 'Restore my vault' }).click()
    await page.getByRole('tab', { name: 'Files' }).click()
    await expect(files).toContainText('diary.txt', { timeout: 30_000 })
    dump = await storage(page)
    expect(dump.vault).toEqual([expect.objectContaining(LOCKED)])
    expect(leaks(dump, recovery)).toBe(0)
    await page.reload()
    await unlock(page, THIRD)
    await expect(files).toContainText('diary.txt')

    expect(tabs.flatMap((t) => t.log).filter((l) => l.includes('pageerror'))).toEqual([])
  } catch (err) {
    await test.info().attach('console', {
      body: tabs
        .flatMap((t) => t.log)
        .slice(-300)
        .join('\n'),
    })
    throw err
  } finally {
    await closeTabs(tabs)
  }
})

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await filesUnder(path)))
    else if (e.isFile()) out.push(path)
  }
  return out
}

test('a vault locked at the first run never reaches the profile on disk in the clear', async ({ playwright, baseURL }) => {
  const dir = await mkdtemp(join(tmpdir(), 'layr-profile-'))
  try {
    // A profile kept on disk (the other tests' contexts keep storage in memory).
    const context = await playwright.chromium.launchPersistentContext(dir, { ...test.info().project.use.launchOptions, ...(baseURL ? { baseURL } : {}) })
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto('/?autostart=0')
    await page.getByRole('button', { name: 'Create a new vault' }).click()
    const recovery = await page.getByRole('textbox', { name: 'Your recovery text' }).inputValue()
    await page.getByRole('checkbox', { name: 'I have saved my recovery text somewhere safe' }).check()
    await page.getByRole('checkbox', { name: 'Protect my vault in this browser with a passphrase' }).check()
    await page.getByLabel('New passphrase', { exact: true }).fill(FIRST)
    await page.getByLabel('Repeat the new passphrase').fill(FIRST)
    await page.getByRole('button', { name: 'Continue to my files' }).click()
    await expect(page.getByRole('tab', { name: 'Files' })).toHaveAttribute('aria-selected', 'true')
    const ownerId = await page.evaluate(() => localStorage.getItem('layr-recovery-saved'))
    expect(ownerId).toMatch(/^[0-9a-f]{64}$/)
    expect((await storage(page)).vault).toEqual([expect.objectContaining(LOCKED)])
    await context.close()

    // Strings sit in these files as Latin-1 (IndexedDB) or UTF-16 (localStorage).
    const needles = (text: string): Buffer[] => [Buffer.from(text, 'latin1'), Buffer.from(text, 'utf16le')]
    const body = recovery.slice('layr1-'.length).replace(/-/g, '')
    const secrets = [...needles(recovery), ...needles(recovery.slice(0, 30)), ...needles(body), Buffer.from(parseRecoveryText(recovery))]
    const files = await filesUnder(dir)
    let sawOwnerId = false
    const holding: string[] = []
    for (const f of files) {
      const bytes = await readFile(f)
      if (needles(ownerId!).some((n) => bytes.includes(n))) sawOwnerId = true
      if (secrets.some((n) => bytes.includes(n))) holding.push(f.slice(dir.length))
    }
    expect(sawOwnerId, 'the scan reads the storage files: it finds what localStorage holds').toBe(true)
    expect(holding).toEqual([])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
