import { describe, expect, it } from 'vitest'
import { makePolicy, type FileManifest, type RedundancyPolicy } from '../core/index.ts'
import { toHex } from '../core/bytes.ts'
import { LEAF_SIZE } from '../core/merkle/index.ts'
import { NEW_HOST, hostPreference, recordOnline, type HostReputation } from '../core/audit/index.ts'
import { Vault } from '../core/vault/index.ts'
import { corruptors, patternBytes } from '../testing/corruptors.ts'
import { Grid } from '../testing/grid.ts'
import { restoredOnGrid as restored } from '../testing/grid-restore.ts'
import { backupFile } from './upload.ts'
import { auditFile, shareChecks } from './audit.ts'
import { applyRepair, repairFile, RepairImpossibleError } from './repair.ts'
import { deleteSigned } from './remove.ts'
import { placedSurvives } from '../core/repair/index.ts'

const SHARE = 2 * LEAF_SIZE

async function setup(policy: RedundancyPolicy, peers: number, size = 3 * policy.k * SHARE - 3 * 64) {
  const g = new Grid(peers, { limits: { perOwner: 1, perPeer: 1 } })
  g.now = Date.now()
  const owner = await Vault.create()
  const net = g.network('owner')
  const blob = new Blob([patternBytes(size, 5)])
  const m = await backupFile(net, owner, blob, { policy, shareSize: SHARE })
  return { g, owner, net, m, blob }
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

  /** Every share the grid's hosts hold, as "peer key" pairs. */
  async function held(g: Grid): Promise<string[]> {
    const out: string[] = []
    for (const p of g.peers) for (const r of await p.shares.list()) out.push(`${p.id} ${r.key}`)
    return out.sort()
  }
  const where = (m: FileManifest): string[] => m.segments.flatMap((seg) => seg.shares.map((sh) => `${sh.holders[0]!} ${toHex(sh.key)}`)).sort()

  const spreads: Array<{ k: number; n: number; hosts: number; join: number; distinct: number; before: number; after: number }> = [
    { k: 2, n: 3, hosts: 2, join: 1, distinct: 3, before: 0, after: 1 },
    { k: 2, n: 4, hosts: 2, join: 2, distinct: 4, before: 1, after: 2 },
    // One new host for a segment's 3 + 2 shares: one of the fullest host's moves, the others stay (reduced, no failure).
    { k: 3, n: 5, hosts: 2, join: 1, distinct: 3, before: 0, after: 1 },
  ]
  for (const { k, n, hosts, join, distinct, before, after } of spreads) {
    it(`k=${k} n=${n} placed on ${hosts} hosts, then ${join} more appear: spread out to ${distinct} distinct hosts a segment, surviving ${before} → ${after} host losses`, async () => {
      const policy = makePolicy({ k, n, repairThreshold: n })
      const { g, owner, net, m, blob } = await setup(policy, hosts)
      expect(placedSurvives(m)).toBe(before)
      for (const seg of m.segments) expect(new Set(seg.shares.map((s) => s.holders[0])).size).toBe(hosts)
      for (let i = 0; i < join; i++) g.add(`joined-${i}`, { limits: { perOwner: 1, perPeer: 1 } })
      const reps = new Map<string, HostReputation>()
      const t0 = Date.now()
      const checks = await round(g, m, reps, t0)
      // Every share verified: nothing to rebuild, only to spread.
      expect(checks.flat().every((c) => c.state === 'verified')).toBe(true)
      const res = await repairFile(net, owner, m, { policy, checks, now: t0 })
      expect(res).toMatchObject({ unplaced: 0, spread: res.placed, unspread: m.segments.length * (n - distinct) })
      expect(res.placed).toBe(m.segments.length * (distinct - hosts))
      const next = applyRepair(m, res.moves)
      for (const seg of next.segments) expect(new Set(seg.shares.map((s) => s.holders[0])).size).toBe(distinct)
      expect(placedSurvives(next)).toBe(after)
      // The moved shares were stored at their new hosts; once the revision is kept, the doubled-up hosts delete theirs.
      expect(res.stale).toHaveLength(res.placed)
      expect((await deleteSigned(net, owner, res.stale)).deleted).toBe(res.placed)
      expect(await held(g)).toEqual(where(next))
      for (const { peer, key } of res.stale) expect(await g.peer(peer).shares.get(toHex(key))).toBeUndefined()
      expect(await restored(g, owner, next)).toEqual(new Uint8Array(await blob.arrayBuffer()))
      // Spread, every share verified at its new place; a second pass has nothing to move.
      const again = await round(g, next, reps, t0)
      expect(again.flat().every((c) => c.state === 'verified')).toBe(true)
      const second = await repairFile(net, owner, next, { policy, checks: again, now: t0 })
      expect(second.placed).toBe(0)
    })
  }

  it('with no new host, a reduced file stays as it is: nothing moves, and no error', async () => {
    const policy = makePolicy({ k: 2, n: 3, repairThreshold: 3 })
    const { g, owner, net, m } = await setup(policy, 2)
    const checks = await round(g, m, new Map(), Date.now())
    const before = await held(g)
    const res = await repairFile(net, owner, m, { policy, checks, now: Date.now(), force: true })
    expect(res).toMatchObject({ placed: 0, unplaced: 0, spread: 0, unspread: m.segments.length, stale: [] })
    expect(applyRepair(m, res.moves)).toEqual(m)
    expect(await held(g)).toEqual(before)
    expect(placedSurvives(m)).toBe(0)
  })

  for (const join of [1, 2]) {
    it(`a disqualified host next to a doubled one, ${join} new host(s): the cheat's shares move first, then the doubled ones spread`, async () => {
      const policy = makePolicy({ k: 2, n: 3, repairThreshold: 3 })
      // One segment, placed a, b, a.
      const { g, owner, net, m, blob } = await setup(policy, 2, 2 * SHARE - 64)
      expect(m.segments).toHaveLength(1)
      for (let i = 0; i < join; i++) g.add(`joined-${i}`, { limits: { perOwner: 1, perPeer: 1 } })
      // The host holding one share cheats (disqualified); the other holds two.
      const counts = new Map<string, number>()
      for (const sh of m.segments[0]!.shares) counts.set(sh.holders[0]!, (counts.get(sh.holders[0]!) ?? 0) + 1)
      const cheat = [...counts].find(([, c]) => c === 1)![0]
      const reps = new Map<string, HostReputation>([[cheat, { ...NEW_HOST, disqualifiedAt: 0 }]])
      const t0 = Date.now()
      const checks = await round(g, m, reps, t0)
      const res = await repairFile(net, owner, m, { policy, checks, now: t0, preference: (p) => hostPreference(reps.get(p)) })
      const next = applyRepair(m, res.moves)
      expect(res.unplaced).toBe(0)
      const cheatShares = m.segments.flatMap((s) => s.shares.filter((sh) => sh.holders[0] === cheat))
      expect(res.placed - res.spread).toBe(cheatShares.length)
      for (const s of next.segments) expect(s.shares.map((sh) => sh.holders[0])).not.toContain(cheat)
      if (join === 1) {
        // The one new host takes the cheat's share; the doubled one stays.
        for (const sh of cheatShares) expect(res.moves.get(toHex(sh.key))).toBe('joined-0')
        expect(res).toMatchObject({ spread: 0, unspread: 1 })
      } else {
        expect(res).toMatchObject({ spread: 1, unspread: 0 })
        for (const s of next.segments) expect(new Set(s.shares.map((sh) => sh.holders[0])).size).toBe(3)
        expect(placedSurvives(next)).toBe(1)
      }
      expect(await restored(g, owner, next)).toEqual(new Uint8Array(await blob.arrayBuffer()))
    })
  }
})
