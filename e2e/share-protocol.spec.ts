/**
 * /layr/share/1.0.0 between two real Chromium tabs over direct WebRTC: a host tab keeps shares
 * in IndexedDB; an owner tab stores, fetches, and deletes, and sends what a hostile peer would.
 */
import { expect, test, type Page } from '@playwright/test'
import { heldKeys } from './helpers.ts'

async function peerTab(page: Page): Promise<string> {
  await page.goto('/?autostart=0')
  await page.waitForFunction(() => window.layrNet !== undefined && window.layrCore !== undefined)
  return page.evaluate(async () => {
    const status = await window.layrNet.start()
    await window.layrNet.waitForCircuitAddress(30_000)
    return status.peerId
  })
}

test('store, fetch, range, refusals and signed delete between two tabs', async ({ browser }) => {
  const hostCtx = await browser.newContext()
  const ownerCtx = await browser.newContext()
  try {
    const hostPage = await hostCtx.newPage()
    const ownerPage = await ownerCtx.newPage()
    const hostId = await peerTab(hostPage)
    await hostPage.evaluate(async () => {
      await window.layrNet.hostShares(8 * 65536, 'layr-host-e2e')
    })
    await peerTab(ownerPage)
    // The owner finds the host's address through the DHT, then talks to it directly.
    await ownerPage.evaluate(async (hostId) => {
      const end = performance.now() + 30_000
      for (;;) {
        try {
          if ((await window.layrNet.findPeer(hostId, 10_000)).length > 0) return
        } catch (err) {
          if (performance.now() > end) throw err
        }
      }
    }, hostId)

    const result = await ownerPage.evaluate(async (hostId) => {
      const { layrCore: core, layrNet } = window
      const lib = layrNet.lib!
      const node = layrNet.node!
      const vault = await core.Vault.create()
      const bytes = new Uint8Array(2 * 65536)
      crypto.getRandomValues(bytes.subarray(0, 65536))
      crypto.getRandomValues(bytes.subarray(65536))
      const root = await core.merkleRoot(bytes)
      const key = await core.shareKey(root)
      const owner = vault.ownerPublicKey
      const send = (req: Parameters<typeof lib.shareRequest>[2]) => lib.shareRequest(node, hostId, req)
      const out: Record<string, unknown> = {}
      out.store = (await send({ type: 'store', key, root, owner, bytes })).status
      const fetched = await send({ type: 'fetch', key })
      out.fetchedSame = fetched.status === 'ok' && fetched.bytes?.length === bytes.length && fetched.bytes.every((b, i) => b === bytes[i])
      const ranged = await send({ type: 'fetch', key, range: { offset: 65536, length: 1000 } })
      out.rangeSame = ranged.status === 'ok' && ranged.bytes?.every((b, i) => b === bytes[65536 + i]) && ranged.bytes.length === 1000
      const tampered = bytes.slice()
      tampered[5]! ^= 1
      out.tampered = (await send({ type: 'store', key, root, owner, bytes: tampered })).status
      const big = new Uint8Array(8 * 65536)
      const bigRoot = await core.merkleRoot(big)
      out.overQuota = (await send({ type: 'store', key: await core.shareKey(bigRoot), root: bigRoot, owner, bytes: big })).status
      const stat = await send({ type: 'stat' })
      out.stat = stat.status === 'ok' ? stat.stat : undefined
      const mallory = await core.Vault.create()
      out.forgedDelete = (await send({ type: 'delete', key, signature: mallory.sign(lib.deleteMessage(key, hostId)) })).status
      out.fetchAfterForged = (await send({ type: 'fetch', key })).status
      // A malformed request over a raw stream: the host answers bad-request, it does not hang up.
      const conn = node.getConnections().find((c) => c.remotePeer.toString() === hostId && c.limits === undefined)!
      // A WebRTC connection without relay limits: the bytes above went tab to tab, not through the relay.
      out.direct = conn.remoteAddr.toString().includes('/webrtc') && conn.limits === undefined
      const stream = await conn.newStream(lib.SHARE_PROTOCOL)
      await lib.writeFrame(stream, new Uint8Array([0xa1, 0x64, 0x74, 0x79, 0x70, 0x65, 0x63, 0x78, 0x78, 0x78]))
      out.garbage = lib.decodeResponse(await lib.readFrame(stream, lib.MAX_FRAME, 10_000)).status
      await stream.close()
      out.delete = (await send({ type: 'delete', key, signature: vault.sign(lib.deleteMessage(key, hostId)) })).status
      out.fetchAfterDelete = (await send({ type: 'fetch', key })).status
      return out
    }, hostId)

    expect(result).toEqual({
      store: 'ok',
      fetchedSame: true,
      rangeSame: true,
      tampered: 'root-mismatch',
      overQuota: 'over-quota',
      stat: { quota: 8 * 65536, used: 2 * 65536, shares: 1 },
      forgedDelete: 'unauthorized',
      fetchAfterForged: 'ok',
      direct: true,
      garbage: 'bad-request',
      delete: 'ok',
      fetchAfterDelete: 'not-found',
    })
    // The host's own store, read directly: nothing is left after the signed delete.
    const counters = (await heldKeys(hostPage, 'layr-host-e2e')).length
    expect(counters).toBe(0)
  } finally {
    await hostCtx.close()
    await ownerCtx.close()
  }
})
