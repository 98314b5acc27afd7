import { requireInteger } from '../bytes.ts'
import type { RedundancyPolicy } from '../erasure/index.ts'

/**
 * A host unreachable for longer than this is treated as gone: its shares count as lost and are
 * rebuilt elsewhere. Tabs close at night and come back with their data, so a short wait moves data
 * that was never lost; a long one lets real losses pile up unseen. The durability simulation
 * (`npm run bench durability`) chose 7 days: at 4-of-12, r = 10 it lost nothing in 100,000
 * file-years at 0.21 stored bytes of repair traffic a month, where r = 9 with 72 h moved 0.33; at
 * 4-of-8, r = 8, 72 h lost 3× fewer files than 7 days but moved 5× more (2.4 against 0.5), mostly
 * rebuilding shares of tabs that were only away, and 24 h moved 10. README: "How Layr keeps files alive".
 */
export const DEFAULT_LOST_AFTER_MS = 7 * 24 * 3600_000

/** What the last audit round found of one share. */
export type ShareCheck =
  /** Its holder proved the asked leaves. */
  | { readonly state: 'verified' }
  /** Its holder answered wrong, said it has no such share, answered late, or is disqualified. */
  | { readonly state: 'failed'; readonly reason: 'wrong' | 'missing' | 'late' | 'disqualified' }
  /** Its holder could not be reached (since `since`, as far as this owner knows). */
  | { readonly state: 'offline'; readonly since: number }

export interface SegmentVerdict {
  /** Shares that passed. */
  readonly verified: number
  /** Shares counted on: verified ones, and those whose holder has been away for less than the wait. */
  readonly counted: number
  /** Share indices to rebuild elsewhere: failed, or away for longer than the wait. */
  readonly lost: readonly number[]
  /** counted < repairThreshold, or a share sits on a disqualified host: rebuild `lost`. */
  readonly needsRepair: boolean
  /** At least k verified shares: a rebuild can run now. */
  readonly repairable: boolean
}

export function segmentVerdict(checks: readonly ShareCheck[], policy: RedundancyPolicy, now: number, lostAfterMs = DEFAULT_LOST_AFTER_MS): SegmentVerdict {
  let verified = 0
  const lost: number[] = []
  checks.forEach((c, i) => {
    if (c.state === 'verified') verified++
    else if (c.state === 'failed' || now - c.since >= lostAfterMs) lost.push(i)
  })
  const counted = checks.length - lost.length
  // A disqualified host is known to cheat: its shares move whatever the count.
  const cheat = checks.some((c) => c.state === 'failed' && c.reason === 'disqualified')
  return { verified, counted, lost, needsRepair: counted < policy.repairThreshold || cheat, repairable: verified >= policy.k }
}

export interface FileVerdict {
  readonly segments: readonly SegmentVerdict[]
  /** The weakest segment's verified shares. */
  readonly verified: number
  /** The weakest segment's counted shares. */
  readonly counted: number
  readonly needsRepair: boolean
  /** Every segment that needs repair has k verified shares. */
  readonly repairable: boolean
}

export function fileVerdict(
  checks: readonly (readonly ShareCheck[])[],
  policy: RedundancyPolicy,
  now: number,
  lostAfterMs = DEFAULT_LOST_AFTER_MS,
): FileVerdict {
  const segments = checks.map((c) => segmentVerdict(c, policy, now, lostAfterMs))
  const min = (f: (s: SegmentVerdict) => number): number => (segments.length === 0 ? 0 : Math.min(...segments.map(f)))
  return {
    segments,
    verified: min((s) => s.verified),
    counted: min((s) => s.counted),
    needsRepair: segments.some((s) => s.needsRepair),
    repairable: segments.every((s) => !s.needsRepair || s.repairable),
  }
}

/**
 * How many hosts a segment can lose, whichever they are, and still be rebuilt: `holders` lists the
 * host of each good share (a host may hold several). The worst case takes the hosts holding the
 * most shares first. -1 when it already has fewer than k.
 */
export function survivableLosses(holders: readonly string[], k: number): number {
  requireInteger('k', k, 1)
  const counts = new Map<string, number>()
  for (const h of holders) counts.set(h, (counts.get(h) ?? 0) + 1)
  const desc = [...counts.values()].sort((a, b) => b - a)
  let left = holders.length
  if (left < k) return -1
  let lost = 0
  for (const c of desc) {
    if (left - c < k) break
    left -= c
    lost++
  }
  return lost
}

/**
 * What a file's placement survives: the fewest hosts any of its segments can lose, whichever they
 * are, and still be rebuilt (survivableLosses over each segment's holders; a share with several
 * holders counts at its first). -1 when some segment has fewer than k placed shares. Placement,
 * not proof: an audit says whether the holders still have them.
 */
export function placedSurvives(manifest: {
  readonly codec: { readonly k: number }
  readonly segments: readonly { readonly shares: readonly { readonly holders: readonly string[] }[] }[]
}): number {
  if (manifest.segments.length === 0) return -1
  let worst = Number.POSITIVE_INFINITY
  for (const seg of manifest.segments) {
    const holders = seg.shares.flatMap((sh) => (sh.holders[0] ? [sh.holders[0]] : []))
    worst = Math.min(worst, survivableLosses(holders, manifest.codec.k))
  }
  return worst
}

/**
 * Which of a segment's shares to move so that its verified shares sit on distinct hosts: `holders`
 * names each share's host (its first holder), `checks` the last round. A host holding m > 1 verified
 * shares of the segment keeps one and gives up m − 1, the fullest host first, so that a move made
 * with too few new hosts still helps the worst case most. Only verified shares count and move: their
 * bytes can be fetched now and checked against their roots, and a lost share is rebuilt by repair,
 * which places it on a host holding no other share of the segment anyway.
 *
 * Why a doubled host is the rule: with all n shares in place, n distinct hosts survive n − k
 * losses (survivableLosses), and (n > k) any host holding two shares makes it fewer, since losing that
 * host alone takes two. So "a holder holds more than one verified share" is exactly "this placement
 * survives fewer host losses than n distinct hosts would", said without needing the lost shares'
 * future hosts.
 */
export function spreadShares(holders: readonly (string | undefined)[], checks: readonly ShareCheck[]): number[] {
  const byHost = new Map<string, number[]>()
  holders.forEach((h, i) => {
    if (h === undefined || checks[i]?.state !== 'verified') return
    byHost.set(h, [...(byHost.get(h) ?? []), i])
  })
  // Each host keeps its first share; the others move, taken from the fullest host first.
  const extra = [...byHost.values()].map((shares) => shares.slice(1)).filter((s) => s.length > 0)
  const out: number[] = []
  for (;;) {
    const fullest = extra.reduce<number[] | undefined>((best, s) => (s.length > 0 && (!best || s.length > best.length) ? s : best), undefined)
    if (!fullest) return out
    out.push(fullest.pop()!)
  }
}

/** spreadShares for every segment of a manifest (each share at its first holder). */
export function fileSpread(
  manifest: { readonly segments: readonly { readonly shares: readonly { readonly index: number; readonly holders: readonly string[] }[] }[] },
  checks: readonly (readonly ShareCheck[])[],
): number[][] {
  return manifest.segments.map((seg, i) => {
    const holders: (string | undefined)[] = []
    for (const sh of seg.shares) holders[sh.index] = sh.holders[0]
    return spreadShares(holders, checks[i] ?? [])
  })
}
