/**
 * Back up from one tab to four host tabs and restore, over the real relay and direct WebRTC:
 * k = 2, n = 4, so every segment's shares sit on four distinct hosts, and the file survives
 * losing any two of them.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import { createHash, randomBytes } from 'node:crypto'
import { heldKeys } from './helpers.ts'

async function startTab(context: BrowserContext, host: boolean): Promise<{ page: Page; peerId: string }> {
  const page = await context.newPage()
  await page.goto('/?autostart=0')
  await page.waitForFunction(() => window.layrNet !== undefined && window.layrCore !== undefined)
  const peerId = await page.evaluate(async (host) => {
    const status = await window.layrNet.start()
    await window.layrNet.waitForCircuitAddress(30_000)
    if (host) await window.layrNet.hostShares(64 * 1024 * 1024, 'layr-host')
    return status.peerId
  }, host)
  return { page, peerId }
}

test('back up to four hosts, restore, survive n − k lost hosts, and name what is missing after that', async ({ browser }) => {
  test.setTimeout(240_000)
  const contexts = await Promise.all(Array.from({ length: 5 }, () => browser.newContext()))
  try {
    const hosts = []
    for (const c of contexts.slice(1)) hosts.push(await startTab(c, true))
    const owner = await startTab(contexts[0]!, false)
    const data = randomBytes(3 * 1024 * 1024 + 777)
    const sha = createHash('sha256').update(data).digest('hex')

    const placed = await owner.page.evaluate(async (b64) => {
      const { layrCore: core, layrNet } = window
      const lib = layrNet.lib!
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
      const vault = await core.Vault.create()
      const policy = core.makePolicy({ k: 2, n: 4 })
      const events: string[] = []
      const manifest = await lib.backupFile(lib.libp2pNetwork(layrNet.node!), vault, new Blob([bytes]), {
        policy,
        onProgress: (e) => events.push(e.type),
      })
      Object.assign(window, { testVault: vault, testManifest: manifest })
      return {
        holders: manifest.segments.map((s) => s.shares.map((sh) => sh.holders[0]!)),
        reduced: events.includes('place:reduced'),
        placedEvents: events.filter((e) => e === 'place:share').length,
      }
    }, data.toString('base64'))

    const hostIds = hosts.map((h) => h.peerId)
    expect(placed.holders.length).toBe(2)
    for (const seg of placed.holders) {
      expect(new Set(seg).size, 'four distinct hosts per segment').toBe(4)
      for (const h of seg) expect(hostIds).toContain(h)
    }
    expect(placed.reduced).toBe(false)
    expect(placed.placedEvents).toBe(8)
    for (const h of hosts) expect((await heldKeys(h.page)).length).toBe(2)

    const restore = () =>
      owner.page.evaluate(async () => {
        const w = window as unknown as { testVault: never; testManifest: never }
        const lib = window.layrNet.lib!
        try {
          const parts: Uint8Array[] = []
          for await (const p of lib.restoreFile(window.layrNet.lib!.libp2pNetwork(window.layrNet.node!), w.testVault, w.testManifest)) parts.push(p)
          const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
          let o = 0
          for (const p of parts) {
            all.set(p, o)
            o += p.length
          }
          const d = new Uint8Array(await crypto.subtle.digest('SHA-256', all))
          return { sha: Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('') }
        } catch (err) {
          return { error: (err as Error).name, message: (err as Error).message }
        }
      })

    expect(await restore()).toEqual({ sha })
    // Lose n − k = 2 hosts: still whole.
    await contexts[1]!.close()
    await contexts[2]!.close()
    expect(await restore()).toEqual({ sha })
    // One more: not enough shares, and the error says which segment and shares.
    await contexts[3]!.close()
    const failed = await restore()
    expect(failed).toMatchObject({ error: 'NotEnoughSharesError' })
    expect((failed as { message: string }).message).toMatch(/Segment 0 cannot be rebuilt: 1 good share\(s\), 2 needed/)
  } finally {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)))
  }
})
