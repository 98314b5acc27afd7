/**
 * One peer per browser profile: the identity survives a reload, and a second tab of the same
 * profile (shared IndexedDB) does not claim it, but runs as a client and says so.
 */
import { expect, test, type Page } from '@playwright/test'

async function start(page: Page): Promise<{ peerId: string; role: string | undefined }> {
  await page.goto('/?autostart=0')
  await page.waitForFunction(() => window.layrNet !== undefined)
  return page.evaluate(async () => {
    const status = await window.layrNet.start()
    return { peerId: status.peerId, role: window.layrNet.role }
  })
}

test('the peer id survives a reload; a second tab of the profile is a client', async ({ browser }) => {
  const context = await browser.newContext()
  try {
    const first = await context.newPage()
    const a = await start(first)
    expect(a.role).toBe('peer')

    const second = await context.newPage()
    const b = await start(second)
    expect(b.role).toBe('client')
    expect(b.peerId).not.toBe(a.peerId)
    const refused = await second.evaluate(async () => {
      try {
        await window.layrNet.hostShares(65536)
        return 'hosted'
      } catch (err) {
        return (err as Error).name
      }
    })
    expect(refused).toBe('NotThePeerTabError')
    await second.close()

    await first.reload()
    const again = await start(first)
    expect(again).toEqual({ peerId: a.peerId, role: 'peer' })

    // Another profile is another peer.
    const other = await browser.newContext()
    const c = await start(await other.newPage())
    expect(c.peerId).not.toBe(a.peerId)
    expect(c.role).toBe('peer')
    await other.close()
  } finally {
    await context.close()
  }
})
