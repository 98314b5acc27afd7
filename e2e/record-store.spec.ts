import { expect, test } from '@playwright/test'
import { recordStoreContract } from '../src/testing/record-store-contract.ts'

// The RecordStore contract suite, run against the IndexedDB adapter inside real Chromium.
test.describe('IndexedDB RecordStore contract', () => {
  test('every case', async ({ page }) => {
    await page.goto('/')
    await page.waitForFunction(() => typeof window.layrTesting === 'function')
    const results = await page.evaluate(async () => (await window.layrTesting()).runIdbRecordStoreContract())
    expect(results.map((r) => r.name)).toEqual(recordStoreContract.map((c) => c.name))
    for (const r of results) expect(`${r.name}: ${r.error ?? 'ok'}`).toBe(`${r.name}: ok`)
  })
})
