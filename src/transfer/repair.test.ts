import { describe, expect, it } from 'vitest'
import { makePolicy, type FileManifest, type RedundancyPolicy } from '../core/index.ts'
import { toHex } from '../core/bytes.ts'
import { LEAF_SIZE } from '../core/merkle/index.ts'
import { recordOnline, type HostReputation } from '../core/audit/index.ts'
import { Vault } from '../core/vault/index.ts'
import { corruptors, patternBytes } from '../testing/corruptors.ts'
import { Grid } from '../testing/grid.ts'
import { backupFile } from './upload.ts'
import { restoreFile } from './restore.ts'
import { auditFile, shareChecks } from './audit.ts'
import { applyRepair, repairFile, RepairImpossibleError } from './repair.ts'

const SHARE = 2 * LEAF_SIZE

async function setup(policy: RedundancyPolicy, peers: number) {
  const g = new Grid(peers, { limits: { perOwner: 1, perPeer: 1 } })
  g.now = Date.now()
  const owner = await Vault.create()
  const net = g.network('owner')
  const blob = new Blob([patternBytes(3 * policy.k * SHARE - 3 * 64, 5)])
  const m = await backupFile(net, owner, blob, { policy, shareSize: SHARE })
  return { g, owner, net, m, blob }
}

async function restored(g: Grid, owner: Vault, m: FileManifest): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of restoreFile(g.network('owner'), owner, m)) parts.push(p)
  return new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer())
}

/** An audit round as the app runs it: reputation follows who was reached. */
async function round(g: Grid, m: FileManifest, reps: Map<string, HostReputation>, now: number) {
  const audit = await auditFile(g.network('owner'), m, { deadlineMs: 2000 })
  for (const [peer, ok] of audit.reached) reps.set(peer, recordOnline(reps.get(peer), ok, now))
  return shareChecks(m, audit, (p) => reps.get(p), now)
}

const cases: Array<{ k: number; n: number; r: number }> = [
  { k: 2, n: 4, r: 3 },
  { k: 3, n: 6, r: 5 },
  { k: 4, n: 8, r: 6 },
  { k: 4, n: 8, r: 8 },
]

describe('repair on the grid', () => {
  for (const { k, n, r } of cases) {
    it(`k=${k} n=${n} r=${r}: rebuilds full health while every segment keeps k good shares, then survives losing others`, async () => {
      const policy = makePolicy({ k, n, repairThreshold: r })
      const { g, owner, net, m, blob } = await setup(policy, n + 6)
      const reps = new Map<string, HostReputation>()
      // Lose n − k hosts of segment 0 for good (offline past the wait), and corrupt one share of
      // another segment that still has more than k good shares.
      const gone = m.segments[0]!.shares.slice(0, n - k).map((s) => s.holders[0]!)
      for (const p of gone) g.breakPeer(p)
      const good = (seg: FileManifest['segments'][number]) => seg.shares.filter((s) => !gone.includes(s.holders[0]!))
      expect(m.segments.every((seg) => good(seg).length >= k)).toBe(true)
      const target = m.segments.find((seg) => good(seg).length > k)
      if (target) {
        const bad = good(target)[0]!
        const badPeer = g.peer(bad.holders[0]!)
        const rec = (await badPeer.shares.record(toHex(bad.key)))!
        await badPeer.shares.put(rec, corruptors.flipBit((await badPeer.shares.get(toHex(bad.key)))!))
      }
      const t0 = Date.now()
      await round(g, m, reps, t0 - 100 * 3600_000) // first seen away long ago
      const checks = await round(g, m, reps, t0)
      const res = await repairFile(net, owner, m, { policy, checks, now: t0, lostAfterMs: 3600_000 })
      expect(res.unplaced).toBe(0)
      const next = applyRepair(m, res.moves)
      // Every segment is whole again, on n distinct hosts, none of them gone.
      const after = await round(g, next, reps, t0)
      for (const seg of after) expect(seg.every((c) => c.state === 'verified')).toBe(true)
      for (const seg of next.segments) {
        const hs = seg.shares.map((s) => s.holders[0]!)
        expect(new Set(hs).size).toBe(n)
        expect(hs.some((h) => gone.includes(h))).toBe(false)
      }
      // Then lose any n − k other hosts (here those of segment 0's last shares) and still restore byte for byte.
      for (const sh of next.segments[0]!.shares.slice(k)) g.breakPeer(sh.holders[0]!)
      expect(await restored(g, owner, next)).toEqual(new Uint8Array(await blob.arrayBuffer()))
    })
  }

  it('fails with a typed error and changes nothing when a segment has fewer than k good shares', async () => {
    const policy = makePolicy({ k: 3, n: 6, repairThreshold: 5 })
    const { g, owner, net, m } = await setup(policy, 12)
    const reps = new Map<string, HostReputation>()
    const gone = m.segments[2]!.shares.slice(0, 4).map((s) => s.holders[0]!)
    for (const p of gone) g.breakPeer(p)
    const t0 = Date.now()
    await round(g, m, reps, t0 - 100 * 3600_000)
    const checks = await round(g, m, reps, t0)
    const before = await Promise.all(g.peers.map((p) => p.shares.usage()))
    await expect(repairFile(net, owner, m, { policy, checks, now: t0, lostAfterMs: 3600_000 })).rejects.toBeInstanceOf(RepairImpossibleError)
    expect(await Promise.all(g.peers.map((p) => p.shares.usage()))).toEqual(before)
  })

  it('keeps a share at its old holder when no new host can take it, and says so', async () => {
    const policy = makePolicy({ k: 2, n: 4, repairThreshold: 4 })
    const { g, owner, net, m } = await setup(policy, 4)
    const reps = new Map<string, HostReputation>()
    const lost = m.segments[0]!.shares[3]!
    g.breakPeer(lost.holders[0]!)
    const t0 = Date.now()
    await round(g, m, reps, t0 - 100 * 3600_000)
    const checks = await round(g, m, reps, t0)
    const res = await repairFile(net, owner, m, { policy, checks, now: t0, lostAfterMs: 3600_000 })
    expect(res.placed).toBe(0)
    expect(res.unplaced).toBeGreaterThan(0)
    expect(applyRepair(m, res.moves)).toEqual(m)
  })

  it('does not move shares whose hosts are away for less than the wait', async () => {
    const policy = makePolicy({ k: 2, n: 4, repairThreshold: 3 })
    const { g, owner, net, m } = await setup(policy, 8)
    const reps = new Map<string, HostReputation>()
    for (const sh of m.segments[0]!.shares.slice(0, 2)) g.breakPeer(sh.holders[0]!)
    const t0 = Date.now()
    const checks = await round(g, m, reps, t0)
    const res = await repairFile(net, owner, m, { policy, checks, now: t0 + 60_000, lostAfterMs: 3600_000 })
    expect(res.placed).toBe(0)
    expect((await repairFile(net, owner, m, { policy, checks, now: t0 + 60_000, lostAfterMs: 3600_000, force: true })).placed).toBe(0)
    const later = await repairFile(net, owner, m, { policy, checks, now: t0 + 2 * 3600_000, lostAfterMs: 3600_000 })
    // Once a segment is below the threshold, every share of the away hosts moves (one revision fixes the file).
    const away = new Set(m.segments[0]!.shares.slice(0, 2).map((s) => s.holders[0]!))
    const expected = m.segments.reduce((sum, seg) => sum + seg.shares.filter((s) => away.has(s.holders[0]!)).length, 0)
    expect(later.placed).toBe(expected)
    expect(later.placed).toBeGreaterThanOrEqual(2)
  })
})
