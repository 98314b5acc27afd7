/**
 * /layr/share/2.0.0 between two real Chromium tabs over direct WebRTC: a host tab keeps shares
 * in IndexedDB; an owner tab stores, fetches, and deletes, and sends what a hostile peer would.
 */
import { expect, test } from '@playwright/test'
import { heldKeys, peerTab } from './helpers.ts'

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
      const send = (req: Parameters<typeof lib.shareRequest>[2]) => lib.shareRequest(node, hostId, req)
      const store = (v: typeof vault, b: Uint8Array, r = root, k = key) =>
        send({ type: 'store', key: k, root: r, ...lib.signStore(v, k, b.length, hostId, { lease: 86_400_000 }), bytes: b })
      const del = (v: typeof vault) => send({ type: 'delete', key, ...lib.signDelete(v, key, hostId) })
      const out: Record<string, unknown> = {}
      // A squatter who has the bytes stores them first; the owner is not locked out.
      const mallory = await core.Vault.create()
      out.squat = (await store(mallory, bytes)).status
      out.store = (await store(vault, bytes)).status
      out.squatterDelete = (await del(mallory)).status
      const fetched = await send({ type: 'fetch', key })
      out.fetchedSame = fetched.status === 'ok' && fetched.bytes?.length === bytes.length && fetched.bytes.every((b, i) => b === bytes[i])
      const ranged = await send({ type: 'fetch', key, range: { offset: 65536, length: 1000 } })
      out.rangeSame = ranged.status === 'ok' && ranged.bytes?.every((b, i) => b === bytes[65536 + i]) && ranged.bytes.length === 1000
      const tampered = bytes.slice()
      tampered[5]! ^= 1
      out.tampered = (await store(vault, tampered)).status
      const big = new Uint8Array(8 * 65536)
      const bigRoot = await core.merkleRoot(big)
      out.overQuota = (await store(vault, big, bigRoot, await core.shareKey(bigRoot))).status
      const stat = await send({ type: 'stat' })
      out.stat = stat.status === 'ok' ? stat.stat : undefined
      const forged = lib.signDelete(mallory, key, hostId)
      out.forgedDelete = (await send({ type: 'delete', key, ...forged, owner: vault.ownerPublicKey })).status
      out.fetchAfterForged = (await send({ type: 'fetch', key })).status
      // A malformed request over a raw stream: the host answers bad-request, it does not hang up.
      const conn = node.getConnections().find((c) => c.remotePeer.toString() === hostId && c.limits === undefined)!
      // A WebRTC connection without relay limits: the bytes above went tab to tab, not through the relay.
      out.direct = conn.remoteAddr.toString().includes('/webrtc') && conn.limits === undefined
      const stream = await conn.newStream(lib.SHARE_PROTOCOL)
      await lib.writeFrame(stream, new Uint8Array([0xa1, 0x64, 0x74, 0x79, 0x70, 0x65, 0x63, 0x78, 0x78, 0x78]))
      out.garbage = lib.decodeResponse({ head: await lib.readFrame(stream, lib.HEADER_LIMITS.response, 10_000) }).status
      await stream.close()
      // A delete replayed after the share was stored again does not undo that store.
      const first = lib.signDelete(vault, key, hostId)
      out.delete = (await send({ type: 'delete', key, ...first })).status
      await new Promise((r) => setTimeout(r, 5))
      out.storeAgain = (await store(vault, bytes)).status
      out.replayedDelete = (await send({ type: 'delete', key, ...first })).status
      out.fetchAfterReplay = (await send({ type: 'fetch', key })).status
      out.deleteAgain = (await del(vault)).status
      out.fetchAfterDelete = (await send({ type: 'fetch', key })).status
      return out
    }, hostId)

    expect(result).toEqual({
      squat: 'ok',
      store: 'ok',
      squatterDelete: 'ok',
      fetchedSame: true,
      rangeSame: true,
      tampered: 'root-mismatch',
      overQuota: 'over-quota',
      // This peer may fill half of the host (4 leaves), and holds 2; and the host says what it is:
      // a tab, with persistent storage or not (whatever this profile was granted).
      stat: { quota: 8 * 65536, used: 2 * 65536, shares: 1, room: 2 * 65536, kind: 'tab', persistent: expect.any(Boolean) },
      forgedDelete: 'unauthorized',
      fetchAfterForged: 'ok',
      direct: true,
      garbage: 'bad-request',
      delete: 'ok',
      storeAgain: 'ok',
      replayedDelete: 'unauthorized',
      fetchAfterReplay: 'ok',
      deleteAgain: 'ok',
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
