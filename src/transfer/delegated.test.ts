/**
 * Delegated repair on the in-memory grid, end to end through the real share protocol codec: the
 * owner grants a repairing peer its capability (`delegate`), a holder goes away, the repairer
 * rebuilds and re-places the lost share under the delegate key (the new holder keeps it as the
 * owner's), the owner picks up the holders update (`repairs`), audits the new holder, saves a new
 * revision signed by itself, and restores the file byte for byte without the lost holder.
 * Updates that are forged, or name a holder that cannot prove the share, are refused.
 */
import { describe, expect, it } from 'vitest'
import { makePolicy } from '../core/index.ts'
import { equal, fromHex, toHex } from '../core/bytes.ts'
import { LEAF_SIZE } from '../core/merkle/index.ts'
import { DEFAULT_LEASE_MS, PENDING_LEASE_MS } from '../core/lease/index.ts'
import { Vault } from '../core/vault/index.ts'
import { decodeCapability, newDelegateKey } from '../core/repair/capability.ts'
import { encodeUpdates, signUpdate } from '../core/repair/holders-update.ts'
import { MemoryRecordStore } from '../adapters/storage/memory-records.ts'
import { ManifestRepository } from '../manifests/repository.ts'
import { patternBytes } from '../testing/corruptors.ts'
import { Grid } from '../testing/grid.ts'
import { restoredOnGrid } from '../testing/grid-restore.ts'
import { RepairDelegation, type StoredDelegation } from '../layr/delegation.ts'
import { backupFile } from './upload.ts'
import { DelegatedRepairs, MemoryGrantStore } from './delegated.ts'

const SHARE = 2 * LEAF_SIZE
/** A peer id shaped like libp2p's (the grant checks the shape); the grid routes by any name. */
const REPAIRER = '12D3KooWRepairerRepairerRepairerRepairerRepairer1'

async function setup() {
  const g = new Grid(8, { limits: { perOwner: 1, perPeer: 1 } })
  g.now = Date.now()
  const grants = new MemoryGrantStore()
  const repairs = new DelegatedRepairs({ net: g.network(REPAIRER), store: grants, lostAfterMs: 0, auditDeadlineMs: 2000, now: () => g.now })
  g.add(REPAIRER, { repairs })
  const owner = await Vault.create()
  const net = g.network('owner')
  // r = n: one lost share is below the threshold.
  const policy = makePolicy({ k: 2, n: 4, repairThreshold: 4 })
  const plain = patternBytes(3 * SHARE + 999, 3)
  const repo = new ManifestRepository(owner, new MemoryRecordStore())
  // Back up onto the grid's hosts, not the repairer (it hosts too, but the test wants its shares elsewhere).
  g.breakPeer(REPAIRER)
  const m = await backupFile(net, owner, new Blob([plain]), { policy, shareSize: SHARE })
  g.heal(REPAIRER)
  await repo.save(m, undefined)
  let kept: StoredDelegation | undefined
  const delegation = new RepairDelegation({
    vault: () => owner,
    manifests: () => repo,
    net: async () => net,
    kept: { load: () => kept, save: (v) => (kept = v) },
    now: () => g.now,
  })
  return { g, owner, net, m, repo, plain, repairs, grants, delegation, kept: () => kept }
}

describe('delegated repair on the grid', () => {
  it('the repairer rebuilds a lost share while the owner is away; the owner adopts it on sync and restores without the lost holder', async () => {
    const { g, owner, m, repo, plain, repairs, grants, delegation } = await setup()
    const status = await delegation.grant(REPAIRER)
    expect(status.files).toBe(1)
    expect(await repairs.owners()).toEqual([{ owner: owner.ownerId, files: 1, expires: status.expires }])

    // A holder goes away (its tab closed for good).
    const lostShare = m.segments[0]!.shares[1]!
    const lost = lostShare.holders[0]!
    g.breakPeer(lost)

    // Backups are stored under a short lease the owner renews; the owner is away, so the repairer renews it.
    const keptHolder = m.segments[0]!.shares[0]!
    const claimEnd = async () =>
      (await g.peer(keptHolder.holders[0]!).shares.record(toHex(keptHolder.key)))?.owners.find((c) => equal(c.owner, owner.ownerPublicKey))?.expires
    expect(await claimEnd()).toBe(g.now + PENDING_LEASE_MS)
    const report = await repairs.round()
    expect(report.skipped).toEqual([])
    expect(await claimEnd()).toBe(g.now + DEFAULT_LEASE_MS)
    expect(report.placed).toBeGreaterThanOrEqual(1)
    // The new holder keeps the share as the owner's (so the owner's renewals and deletes work on it).
    const kept = decodeCapability(grants.grants.get(owner.ownerId)!.capability)
    const to = kept.files[0]!.segments[0]!.shares[1]!.holders[0]!
    expect(to).not.toBe(lost)
    const rec = await g.peer(to).shares.record(toHex(lostShare.key))
    expect(rec?.owners.some((c) => equal(c.owner, owner.ownerPublicKey))).toBe(true)
    // A second round has nothing left to do: the repairer audits its own new layout.
    expect((await repairs.round()).placed).toBe(0)

    // The owner's tab comes back and syncs.
    const pickup = await delegation.sync()
    expect(pickup).toEqual({ adopted: report.placed, refused: 0, files: 1 })
    const next = await repo.get(toHex(m.fileId))
    expect(next.revision).toBe(m.revision + 1)
    expect(next.segments.flatMap((s) => s.shares.map((sh) => sh.holders[0]))).not.toContain(lost)
    // Restored with the lost holder still gone.
    expect(equal(await restoredOnGrid(g, owner, next), plain)).toBe(true)
    // The new grant carries the new layout and cleared the host's updates.
    expect(grants.grants.get(owner.ownerId)!.updates).toEqual(encodeUpdates([]))
    expect((await delegation.sync())?.adopted).toBe(0)
  })

  it('refuses updates that are forged, or name a holder that does not prove the share', async () => {
    const { g, m, repo, delegation, owner, kept } = await setup()
    await delegation.grant(REPAIRER)
    const sh = m.segments[0]!.shares[0]!
    // The delegate key the owner's tab made (a stolen one, say, or a repairer gone bad).
    const cap = decodeCapability(fromHex(kept()!.capability))
    const other = newDelegateKey()
    const move = (holder: string) => ({
      owner: owner.ownerPublicKey,
      fileId: m.fileId,
      base: m.revision,
      moves: [{ key: sh.key, holder }],
      stale: [],
      time: g.now,
    })
    // peer-7 holds nothing of this file: even signed by the real delegate key, it does not prove the share.
    const empty = g.peers.find((p) => !m.segments.some((s) => s.shares.some((x) => x.holders.includes(p.id))) && p.id !== REPAIRER)!.id
    const answers = encodeUpdates([signUpdate(other.seed, move(empty)), signUpdate(cap.delegateSeed, move(empty))])
    g.intercept(REPAIRER, (req) => (req.type === 'repairs' ? { status: 'ok', bytes: answers } : undefined))
    const pickup = await delegation.sync()
    expect(pickup).toEqual({ adopted: 0, refused: 2, files: 0 })
    expect((await repo.get(toHex(m.fileId))).revision).toBe(m.revision)
  })
})
