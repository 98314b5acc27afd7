/**
 * Files kept alive by audits and repair, across real peers: an owner (driven through its UI) and
 * seven host tabs, each its own browser context. The owner's tab runs the audit loop on a short
 * schedule (a test build's ?maintenance=…; the app's default is a day). A host that lies in its
 * audit answers is disqualified in the Network view and its shares move; hosts that close are
 * replaced by repair on its own; then the file survives losing n − k more hosts, byte for byte.
 */
import { expect, test, type Page } from '@playwright/test'
import { closePeers, openPeer, restoreHash, type Peer } from './peers.ts'
import { heldKeys } from './helpers.ts'
import { createVault, dropFiles, testFile } from './ui.ts'

const MiB = 1024 * 1024
const TIMING = { tickMs: 1500, auditEveryMs: 3000, retryMs: 3000 }

interface Health {
  verified: number
  n: number
  failed: number
  offline: number
  repair?: { placed: number }
}

async function fileState(page: Page): Promise<{ id: string; health: Health | undefined; holders: string[][] } | undefined> {
  return page.evaluate(async () => {
    const layr = await window.layrReady
    const [f] = await layr.files()
    if (!f) return undefined
    return { id: f.id, health: f.health as Health | undefined, holders: await layr.placement(f.id) }
  })
}

test.describe.serial('audits and repair across eight peers', () => {
  test.setTimeout(240_000)
  let owner: Peer
  let hosts: Peer[] = []
  const closed: Peer[] = []
  const file = testFile('kept-alive.bin', 9 * MiB)
  let fileId = ''

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(180_000)
    const url = `/?maintenance=${encodeURIComponent(JSON.stringify(TIMING))}`
    const all = await Promise.all([openPeer(browser, 'owner', url), ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'].map((n) => openPeer(browser, n))])
    owner = all[0]!
    hosts = all.slice(1)
  })

  test.afterAll(async () => {
    await closePeers([owner, ...hosts].filter(Boolean))
  })

  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('console', {
        body: [owner, ...hosts]
          .flatMap((p) => p?.log ?? [])
          .slice(-400)
          .join('\n'),
      })
      await testInfo.attach('owner', { body: await owner.page.screenshot({ fullPage: true }), contentType: 'image/png' })
    }
  })

  test('a backup through the UI is verified by audits: every share proved', async () => {
    await createVault(owner.page)
    await owner.page.evaluate(async () => {
      const layr = await window.layrReady
      await layr.settings.setRedundancy(2, 4) // repair threshold 4: any lost share
      await layr.settings.setLostAfter(0) // a closed tab counts as lost at the next round
    })
    await dropFiles(owner.page, [file])
    await expect.poll(async () => (await fileState(owner.page))?.health?.verified, { timeout: 90_000 }).toBe(4)
    const s = (await fileState(owner.page))!
    fileId = s.id
    expect(s.holders).toHaveLength(5) // 9 MiB at k = 2: five segments
    for (const seg of s.holders) expect(new Set(seg).size).toBe(4)
    await expect(owner.page.getByTestId('file-health')).toContainText('4 of 4 verified', { timeout: 30_000 })
  })

  test('a host that lies in its audit answers is disqualified in the Network view, and its shares move', async () => {
    const before = (await fileState(owner.page))!
    // The host holding the most shares (at least 3 of the 20): three wrong answers in one round disqualify it.
    const count = (p: string) => before.holders.flat().filter((h) => h === p).length
    const liar = hosts.reduce((a, b) => (count(b.peerId) > count(a.peerId) ? b : a))
    expect(count(liar.peerId)).toBeGreaterThanOrEqual(3)
    // The liar's share host answers every audit with zeroed leaves (it serves fetches honestly).
    await liar.page.evaluate(async () => {
      const layr = await window.layrReady
      const host = await window.layrNet.hostShares((await layr.hosting.stats()).quota)
      const honest = host.handle.bind(host)
      host.handle = async (req, ctx, admitted) => {
        const res = await honest(req, ctx, admitted)
        return req.type === 'audit' && res.status === 'ok' && res.bytes ? { ...res, bytes: new Uint8Array(res.bytes.length) } : res
      }
    })
    await expect.poll(async () => (await fileState(owner.page))?.holders.flat().includes(liar.peerId), { timeout: 120_000 }).toBe(false)
    await expect.poll(async () => (await fileState(owner.page))?.health?.verified, { timeout: 60_000 }).toBe(4)
    // Once the new revision was kept, the liar was asked to delete what it held.
    await expect.poll(async () => (await heldKeys(liar.page)).length, { timeout: 30_000 }).toBe(0)
    await owner.page.getByRole('tab', { name: 'Network' }).click()
    await expect(owner.page.locator(`[data-testid="host-score"][data-peer="${liar.peerId}"]`)).toContainText('Disqualified', { timeout: 30_000 })
    await owner.page.getByRole('tab', { name: 'Files' }).click()
  })

  test('hosts that close are replaced by repair on its own, back to full health', async () => {
    const before = (await fileState(owner.page))!
    // Two holders of segment 0: its counted shares fall to 2, below the threshold of 4.
    const closing = hosts.filter((h) => before.holders[0]!.slice(0, 2).includes(h.peerId))
    expect(closing).toHaveLength(2)
    await closePeers(closing)
    closed.push(...closing)
    const gone = closing.map((h) => h.peerId)
    await expect
      .poll(
        async () => {
          const s = await fileState(owner.page)
          return s !== undefined && s.health?.verified === 4 && !s.holders.flat().some((p) => gone.includes(p))
        },
        { timeout: 150_000 },
      )
      .toBe(true)
    const after = (await fileState(owner.page))!
    for (const seg of after.holders) expect(new Set(seg).size).toBe(4)
    expect(after.health?.repair?.placed).toBeGreaterThanOrEqual(2)
    await expect(owner.page.getByTestId('file-health')).toContainText('4 of 4 verified', { timeout: 30_000 })
  })

  test('then, with n − k more hosts closed, the file still comes back byte for byte', async () => {
    const s = (await fileState(owner.page))!
    const closing = hosts.filter((h) => !closed.includes(h) && s.holders[0]!.slice(2).includes(h.peerId))
    expect(closing).toHaveLength(2)
    await closePeers(closing)
    closed.push(...closing)
    const r = await restoreHash(owner.page, fileId)
    expect(r.sha256).toBe(file.sha256)
  })
})
