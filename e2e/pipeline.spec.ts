import { expect, test } from '@playwright/test'
import { createHash, randomBytes } from 'node:crypto'
import { createVault } from './ui.ts'

test.describe('the pipeline in a real Chromium page', () => {
  test('the app is served and says what Layr is', async ({ page, request }) => {
    const health = await request.get('/health')
    expect(health.ok()).toBe(true)
    expect((await health.json()).status).toBe('ok')
    await page.goto('/')
    await expect(page.getByRole('heading', { name: 'Layr' })).toBeVisible()
    await expect(page.getByText('only you can read it')).toBeVisible()
  })

  test('round trip through the UI: pick a file, lose n − k shares, every byte comes back', async ({ page }) => {
    await page.goto('/')
    // The self-test is under Settings (it left the first-run screen).
    await createVault(page)
    await page.getByRole('tab', { name: 'Settings' }).click()
    const bytes = randomBytes(9 * 1024 * 1024 + 12345)
    await page.getByLabel('Choose a file for a local round trip').setInputFiles({
      name: 'holiday.bin',
      mimeType: 'application/octet-stream',
      buffer: bytes,
    })
    await expect(page.getByTestId('selftest-stage')).toHaveText('done', { timeout: 60_000 })
    await expect(page.getByTestId('selftest-message')).toContainText('every byte matches')
    await expect(page.getByRole('progressbar', { name: 'Progress of holiday.bin' })).toHaveAttribute('value', '1')
  })

  test('round trips at edge sizes with WebCrypto and WASM SIMD in the page, checked by SHA-256 in Node', async ({ page }) => {
    await page.goto('/')
    await page.waitForFunction(() => window.layrCore !== undefined)
    const sizes = [0, 1, 262127, 262128, 262129, 3 * 262128, 1_000_003]
    for (const size of sizes) {
      const seed = randomBytes(Math.max(size, 1)).subarray(0, size)
      const result = await page.evaluate(async (input) => {
        const core = window.layrCore
        const data = Uint8Array.from(atob(input), (c) => c.charCodeAt(0))
        const vault = await core.Vault.create()
        // Segments coded in Worker encoders; their roots must equal roots computed in the page.
        const hasher = window.layrAdapters.createWorkerHasher(2)
        const encoder = window.layrAdapters.workerEncoder(2)
        const { manifest, segments } = await core.encodeAll(new Blob([data]), core.DEFAULT_POLICY, vault, { shareSize: core.LEAF_SIZE, encoder })
        for (const seg of segments) {
          for (const s of seg.shares) {
            const inline = await core.merkleRoot(s.bytes)
            if (inline.join() !== s.root.join()) throw new Error(`worker root differs for ${s.segmentIndex}/${s.shareIndex}`)
            if ((await core.shareKey(inline)).join() !== s.key.join()) throw new Error('share key differs')
          }
        }
        const store = new Map<string, Uint8Array>()
        for (const seg of segments) for (const s of seg.shares) store.set(`${s.segmentIndex}/${s.shareIndex}`, s.bytes)
        // Lose shares 0..n-k-1 of every segment: only parity is left, so Reed-Solomon must rebuild.
        for (const seg of manifest.segments) {
          for (let i = 0; i < manifest.codec.n - manifest.codec.k; i++) store.delete(`${seg.index}/${i}`)
        }
        const sealed = await core.sealManifest(manifest, vault)
        const restoredVault = await core.Vault.fromRecoveryText(vault.toRecoveryText())
        const opened = await core.openManifest(sealed, restoredVault)
        const out = await core.decodeAll(opened, restoredVault, async (ref) => store.get(`${ref.segmentIndex}/${ref.shareIndex}`)?.slice(), { hasher })
        hasher.close()
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(out)))
        return { length: out.length, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') }
      }, Buffer.from(seed).toString('base64'))
      expect(result.length, `size ${size}`).toBe(size)
      expect(result.sha256, `size ${size}`).toBe(createHash('sha256').update(seed).digest('hex'))
    }
  })

  test('a wrong vault in the page is a typed WrongKeyError', async ({ page }) => {
    await page.goto('/')
    await page.waitForFunction(() => window.layrCore !== undefined)
    const name = await page.evaluate(async () => {
      const core = window.layrCore
      const a = await core.Vault.create()
      const b = await core.Vault.create()
      const { manifest } = await core.encodeAll(new Blob(['secret']), core.DEFAULT_POLICY, a)
      const sealed = await core.sealManifest(manifest, a)
      try {
        await core.openManifest(sealed, b)
        return 'opened'
      } catch (err) {
        return (err as Error).name
      }
    })
    expect(name).toBe('WrongKeyError')
  })
})
