import { describe, expect, it } from 'vitest'
import { auditIndices, leavesPerAudit, missChance, passChance, recordOnline, type HostReputation } from '../core/audit/index.ts'
import { equal, toHex } from '../core/bytes.ts'
import { makePolicy, type FileManifest, type PipelineProgress } from '../core/index.ts'
import { LEAF_SIZE, merkleRoot } from '../core/merkle/index.ts'
import { shareKey } from '../core/pipeline/index.ts'
import { segmentVerdict } from '../core/repair/index.ts'
import { Vault } from '../core/vault/index.ts'
import { auditCorruptors, honestHost, keepFirst, REPLAYED_NONCE, type DishonestHost } from '../testing/audit-corruptors.ts'
import { patternBytes } from '../testing/corruptors.ts'
import { Grid } from '../testing/grid.ts'
import { auditFile, auditShare, shareChecks, type AuditResult } from './audit.ts'
import { restoreFile } from './restore.ts'
import { backupFile } from './upload.ts'

/** 32 leaves: an audit asks for 2, so the order of an answer matters. */
const SHARE = 32 * LEAF_SIZE
const DEADLINE_MS = 200
const policy = makePolicy({ k: 2, n: 4 })

/** A one-segment file of k shares of SHARE bytes each, backed up on a grid of 6. */
async function setup() {
  const g = new Grid(6, { limits: { perOwner: 1, perPeer: 1 } })
  g.now = Date.now()
  const owner = await Vault.create()
  const net = g.network('owner')
  const plain = patternBytes(policy.k * SHARE - 4096, 3)
  const m = await backupFile(net, owner, new Blob([plain]), { policy, shareSize: SHARE })
  expect(m.segments.length).toBe(1)
  expect(m.segments[0]!.shareSize).toBe(SHARE)
  // The share the cheat is for: a data share, which a restore tries first.
  const share = m.segments[0]!.shares[0]!
  const target = { key: share.key, root: share.root, size: SHARE }
  return { g, owner, net, m, plain, peer: share.holders[0]!, target }
}

async function restore(g: Grid, owner: Vault, m: FileManifest) {
  const parts: Uint8Array[] = []
  const rejected: Extract<PipelineProgress, { type: 'decode:share-rejected' }>[] = []
  for await (const p of restoreFile(g.network('owner'), owner, m, { onProgress: (e) => e.type === 'decode:share-rejected' && rejected.push(e) })) parts.push(p)
  return { bytes: new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer()), rejected }
}

type Caught = 'wrong' | 'missing' | 'late'

interface Row {
  readonly name: string
  readonly host: DishonestHost
  /** What an audit it cannot pass (host.passes) comes to. */
  readonly audit: 'pass' | 'offline' | Caught
  /** What a restore does with its share: used ('good'), or rejected, and why; 'skip': not tried. */
  readonly fetch: 'good' | 'corrupt' | 'missing' | 'unreachable' | 'skip'
}

const C = auditCorruptors
const rows: Row[] = [
  // Not cheats: the control, a host that is away, and one that moved (looked up again, then asked again).
  { name: 'honest', host: honestHost, audit: 'pass', fetch: 'good' },
  { name: 'unreachable', host: { does: 'unreachable', install: async (t) => t.grid.breakPeer(t.peer) }, audit: 'offline', fetch: 'unreachable' },
  { name: 'moved', host: { does: 'moved', passes: () => true, install: async (t) => t.grid.movePeer(t.peer) }, audit: 'pass', fetch: 'good' },
  // Damage: caught by every audit (the host's tree is built from the damaged bytes) and by the root check.
  { name: 'flipBit', host: C.flipBit, audit: 'wrong', fetch: 'corrupt' },
  { name: 'truncate', host: C.truncate, audit: 'wrong', fetch: 'corrupt' },
  { name: 'dropLastLeaf', host: C.dropLastLeaf, audit: 'wrong', fetch: 'corrupt' },
  { name: 'swapLeaves', host: C.swapLeaves, audit: 'wrong', fetch: 'corrupt' },
  { name: 'dropShare', host: C.dropShare, audit: 'missing', fetch: 'missing' },
  // Cheats that kept less than the share.
  { name: 'serveAnother', host: C.serveAnother, audit: 'wrong', fetch: 'corrupt' },
  { name: 'cachedTree', host: C.cachedTree, audit: 'wrong', fetch: 'corrupt' },
  { name: 'firstHalf', host: C.firstHalf, audit: 'wrong', fetch: 'corrupt' },
  { name: 'replay', host: C.replay, audit: 'wrong', fetch: 'corrupt' },
  // "busy" to an audit is a failure: audits reserve nothing, so a host is never too busy for one.
  { name: 'busy', host: C.busy, audit: 'late', fetch: 'corrupt' },
  // Rewrites of an honest host's answer: the data is there, so a fetch is good.
  { name: 'reverseOrder', host: C.reverseOrder, audit: 'wrong', fetch: 'good' },
  { name: 'ascendingOrder', host: C.ascendingOrder, audit: 'wrong', fetch: 'good' },
  { name: 'padPath', host: C.padPath, audit: 'wrong', fetch: 'good' },
  { name: 'overlongPath', host: C.overlongPath, audit: 'wrong', fetch: 'good' },
  { name: 'extraLeaf', host: C.extraLeaf, audit: 'wrong', fetch: 'good' },
  { name: 'fewerLeaves', host: C.fewerLeaves, audit: 'wrong', fetch: 'good' },
  // Late: a fetch would wait out its own 30 s limit; lateness is an audit's to judge.
  { name: 'late', host: C.late, audit: 'late', fetch: 'skip' },
  { name: 'stall', host: C.stall, audit: 'late', fetch: 'skip' },
]

/** Fixed nonces, so that which audits a lucky cheater passes is the same every run; the last is the one the replayer saw. */
const NONCES = [...Array.from({ length: 15 }, (_, i) => patternBytes(32, 1000 + i)), REPLAYED_NONCE]

describe('dishonest hosts on the grid', () => {
  it('the table covers every corruptor in the catalogue', () => {
    const names = new Set(rows.map((r) => r.name))
    for (const name of Object.keys(auditCorruptors)) expect(names, name).toContain(name)
  })

  it.each(rows)('$name: audit $audit, fetch $fetch', async ({ host, audit, fetch }) => {
    const { g, owner, net, m, plain, peer, target } = await setup()
    await host.install({ grid: g, peer, key: target.key })
    const leafCount = SHARE / LEAF_SIZE
    const results = await Promise.all(NONCES.map((nonce) => auditShare(net, peer, target, { deadlineMs: DEADLINE_MS, nonce })))
    results.forEach((r, i) => {
      const lucky = host.passes?.(auditIndices(NONCES[i]!, leafCount, leavesPerAudit(leafCount)), leafCount) ?? false
      const expected = lucky || audit === 'pass' ? 'pass' : audit
      expect(r.result === 'fail' ? r.reason : r.result, `nonce ${i}: ${JSON.stringify(r)}`).toBe(expected)
    })
    // A cheat is caught at least once in these audits.
    if (audit !== 'pass' && audit !== 'offline') expect(results.some((r) => r.result === 'fail')).toBe(true)

    if (fetch === 'skip') return
    const { bytes, rejected } = await restore(g, owner, m)
    expect(equal(bytes, plain)).toBe(true) // (toEqual takes seconds over megabytes)
    if (fetch === 'good') expect(rejected).toEqual([])
    else expect(rejected).toEqual([expect.objectContaining({ segmentIndex: 0, shareIndex: 0, reason: fetch })])
  })

  it('a lucky cheater is lucky only as the formula says: the replayer passes the nonce it saw, the half-keeper the audits inside its half', async () => {
    const leafCount = SHARE / LEAF_SIZE
    const luck = (h: DishonestHost) => NONCES.map((n) => h.passes!(auditIndices(n, leafCount, 2), leafCount))
    expect(luck(C.replay)).toEqual([...new Array<boolean>(15).fill(false), true])
    // Among the fixed nonces, the half-keeper and the sorter each pass some audits and fail others.
    for (const h of [C.firstHalf, C.ascendingOrder]) expect(new Set(luck(h))).toEqual(new Set([true, false]))
  })

  it('auditFile finds the one cheat among a file’s shares, and repair sees it failed', async () => {
    const { g, net, m, peer } = await setup()
    await C.cachedTree.install({ grid: g, peer, key: m.segments[0]!.shares[0]!.key })
    const audit = await auditFile(net, m, { deadlineMs: DEADLINE_MS })
    expect(audit.results[0]!.map((r) => r?.result)).toEqual(['fail', 'pass', 'pass', 'pass'])
    expect(audit.reached.get(peer)).toBe(true)
    const checks = shareChecks(m, audit, () => undefined, g.now)
    expect(checks[0]).toEqual([{ state: 'failed', reason: 'wrong' }, { state: 'verified' }, { state: 'verified' }, { state: 'verified' }])
  })

  // A host that answers "busy" to the audits of a share it dropped, and passes the audit of
  // another share of the file that it kept, must not keep the dropped share counted: "busy" to an
  // audit is a failure, so the share is lost at the first round.
  it('a host that answers "busy" for a dropped share, while passing another, has that share counted lost within the wait', async () => {
    const g = new Grid(6, { limits: { perOwner: 1, perPeer: 1 } })
    g.now = Date.now()
    const owner = await Vault.create()
    const net = g.network('owner')
    // Two segments: a host holds a share of each. It keeps its share of segment 0 and drops that of segment 1.
    const m = await backupFile(net, owner, new Blob([patternBytes(2 * policy.k * SHARE - 8192, 4)]), { policy, shareSize: SHARE })
    expect(m.segments.length).toBe(2)
    const dropped = m.segments[1]!.shares[0]!
    const peer = dropped.holders[0]!
    expect(m.segments[0]!.shares.some((s) => s.holders[0] === peer)).toBe(true)
    await C.busy.install({ grid: g, peer, key: dropped.key })
    const reps = new Map<string, HostReputation>()
    const hour = 3600_000
    const wait = 72 * hour
    const verdicts: { lost: readonly number[]; counted: number }[] = []
    // A round every 12 hours for 4 days: past the 72-hour wait.
    for (let t = 0; t <= 96 * hour; t += 12 * hour) {
      const audit = await auditFile(net, m, { deadlineMs: DEADLINE_MS })
      expect(audit.results[1]![0]!).toMatchObject({ result: 'fail', reason: 'late' })
      for (const [p, ok] of audit.reached) reps.set(p, recordOnline(reps.get(p), ok, g.now + t))
      verdicts.push(segmentVerdict(shareChecks(m, audit, (p) => reps.get(p), g.now + t)[1]!, policy, g.now + t, wait))
    }
    for (const v of verdicts) expect(v.lost).toContain(0)
  })
})

describe('the miss chance of a partial keeper, measured', () => {
  /** How far the measured rate may be from the formula, in binomial standard deviations: a false alarm about once in 150,000 checks. */
  const Z = 4.5
  const TRIALS = 3000
  /** Misses counted also over runs of this many audits in a row (missChance). */
  const RUN = 3
  const cases = [
    { leaves: 16, kept: 1 / 2 }, // c = 1: 1/2
    { leaves: 32, kept: 1 / 2 }, // c = 2: 16·15 / (32·31) ≈ 0.242
    { leaves: 16, kept: 3 / 4 }, // c = 1: 3/4
    { leaves: 64, kept: 3 / 4 }, // c = 4: 48·47·46·45 / (64·63·62·61) ≈ 0.306
  ]
  const measured: string[] = []

  it.each(cases)('$leaves leaves, $kept kept: the rate of passed audits agrees with passChance', async ({ leaves, kept }) => {
    const g = new Grid(1)
    const bytes = patternBytes(leaves * LEAF_SIZE, leaves)
    const root = await merkleRoot(bytes)
    const key = await shareKey(root)
    await g.peer('peer-0').shares.put({ key: toHex(key), size: bytes.length, root, owners: [{ owner: new Uint8Array(32), since: 0 }], storedAt: 0 }, bytes)
    await keepFirst(kept).install({ grid: g, peer: 'peer-0', key })
    const net = g.network('owner')
    const c = leavesPerAudit(leaves)
    const outcomes: boolean[] = []
    for (let i = 0; i < TRIALS; i++) {
      const nonce = crypto.getRandomValues(new Uint8Array(32))
      const r: AuditResult = await auditShare(net, 'peer-0', { key, root, size: bytes.length }, { nonce })
      // Exactly the audits whose every drawn leaf was kept pass; every other one is caught as wrong.
      const inside = auditIndices(nonce, leaves, c).every((x) => x < kept * leaves)
      expect(r.result === 'fail' ? r.reason : r.result).toBe(inside ? 'pass' : 'wrong')
      outcomes.push(r.result === 'pass')
    }
    const check = (what: string, hits: number, n: number, p: number): void => {
      const rate = hits / n
      const bound = Z * Math.sqrt((p * (1 - p)) / n)
      measured.push(`${leaves} leaves, ${kept} kept, ${what}: measured ${rate.toFixed(4)} over ${n}, formula ${p.toFixed(4)}, bound ±${bound.toFixed(4)}`)
      expect(Math.abs(rate - p), measured.at(-1)).toBeLessThanOrEqual(bound)
    }
    check('one audit', outcomes.filter(Boolean).length, TRIALS, passChance(kept, leaves))
    const runs = Array.from({ length: TRIALS / RUN }, (_, j) => outcomes.slice(j * RUN, (j + 1) * RUN).every(Boolean))
    check(`${RUN} audits in a row`, runs.filter(Boolean).length, runs.length, missChance(kept, leaves, RUN))
    console.log(measured.slice(-2).join('\n'))
  })
})
