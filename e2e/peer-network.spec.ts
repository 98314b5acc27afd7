import { expect, test } from '@playwright/test'
import { peerTab } from './helpers.ts'
import { peerNetworkContract } from '../src/testing/peer-network-contract.ts'

// The PeerNetwork contract on the libp2p adapter: a tab's real node, a second tab hosting over
// direct WebRTC, the real relay in between (the grid passes the same cases in Vitest).
test('the libp2p adapter passes the PeerNetwork contract', async ({ browser }) => {
  const hostCtx = await browser.newContext()
  const ownerCtx = await browser.newContext()
  try {
    const hostPage = await hostCtx.newPage()
    const host = await peerTab(hostPage)
    await hostPage.evaluate(() => window.layrNet.hostShares(4 * 1024 * 1024, 'layr-host-contract'))
    const ownerPage = await ownerCtx.newPage()
    await peerTab(ownerPage)
    const results = await ownerPage.evaluate((host) => window.layrTesting().then((t) => t.runLibp2pNetworkContract({ host })), host)
    expect(results.map((r) => r.name)).toEqual(peerNetworkContract.map((c) => c.name))
    for (const r of results) expect(`${r.name}: ${r.error ?? 'ok'}`).toBe(`${r.name}: ok`)
  } finally {
    await hostCtx.close()
    await ownerCtx.close()
  }
})
