import { expect, test } from '@playwright/test'
import { paymentStoreContract } from '../src/testing/payment-store-contract.ts'

// The PaymentStore contract suite, run against the IndexedDB adapter inside real Chromium.
test.describe('IndexedDB PaymentStore contract', () => {
  test('every case', async ({ page }) => {
    await page.goto('/?autostart=0')
    await page.waitForFunction(() => typeof window.layrTesting === 'function')
    const results = await page.evaluate(async () => (await window.layrTesting()).runIdbPaymentStoreContract())
    expect(results.map((r) => r.name)).toEqual(paymentStoreContract.map((c) => c.name))
    for (const r of results) expect(`${r.name}: ${r.error ?? 'ok'}`).toBe(`${r.name}: ok`)
  })
})
