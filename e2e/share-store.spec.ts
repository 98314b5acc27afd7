import { expect, test } from '@playwright/test'
import { shareStoreContract } from '../src/testing/share-store-contract.ts'

// The ShareStore contract suite, run against the IndexedDB adapter inside real Chromium.
test.describe('IndexedDB ShareStore contract', () => {
  for (const c of shareStoreContract) {
    test(c.name, async ({ page, baseURL }) => {
      let smallCapacity: number | undefined
      if (c.name.includes('full device')) {
        // Shrink this origin's browser quota, as a full disk would, before the page loads. Shrunk
        // after the app had started (it opens its IndexedDB databases at once), Chromium let the
        // too-big put through in 9 of 40 runs, even 5 s later; shrunk before, in none of 80.
        smallCapacity = 4 * 1024 * 1024
        const cdp = await page.context().newCDPSession(page)
        await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: smallCapacity })
      }
      await page.goto('/')
      await page.waitForFunction(() => typeof window.layrTesting === 'function')
      const results = await page.evaluate(
        async ({ only, smallCapacity }) => (await window.layrTesting()).runIdbShareStoreContract({ only, ...(smallCapacity ? { smallCapacity } : {}) }),
        { only: c.name, smallCapacity },
      )
      expect(results).toHaveLength(1)
      expect(results[0]!.error ?? '').toBe('')
      expect(results[0]!.ok).toBe(true)
    })
  }
})
