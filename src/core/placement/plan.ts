/**
 * The plan of an upload: before any share leaves, which host takes every share of every segment,
 * and which hosts stand by as spares. Knowing the hosts up front is what lets one wallet
 * signature pay them all, and what makes the upload's load even.
 *
 * Hosts are taken in the order of rank.ts (the nearest by XOR distance from the file's key, so
 * different files start at different hosts; among those the less loaded, steadier, preferred
 * ones; hosts over the owner's price limit only when fewer than n are within it), as few as can
 * hold the file but at least n when there are that many. Each share goes to the host with the fewest shares of its segment, then the least
 * loaded, then the nearest counting from a start that moves with the segment: the n shares of a segment land on n distinct hosts whenever there
 * are n, loads stay even, and data shares (the ones a restore asks for first) rotate over all
 * hosts instead of piling on the closest. With fewer hosts than n the plan says so (`reduced`)
 * and doubles up as evenly as it can. Pure: no I/O.
 */
import type { Candidate } from './index.ts'
import { rankHosts } from './rank.ts'

export interface PlanInput {
  /** Each segment's share size, in order. */
  readonly shareSizes: readonly number[]
  /** Shares per segment. */
  readonly n: number
  readonly hosts: readonly Candidate[]
  /** The file's key in the DHT's key space: hosts are ranked by XOR distance from it. */
  readonly target: Uint8Array
  /** Hosts held in reserve for a planned host that fails (default 2). */
  readonly spares?: number
  /** The owner's price limit, stroops per GiB-month (free hosts: 0); absent: no limit. */
  readonly maxPrice?: number
  /** 0 to 1: how much the owner wants a host (its online and audit score); default 1 for all. */
  readonly preference?: (peerId: string) => number
}

export interface UploadPlan {
  /** The hosts that take shares, best first (rank.ts). */
  readonly hosts: readonly string[]
  /** [segment][share index] → host. */
  readonly assignments: readonly (readonly string[])[]
  /** Hosts in reserve, best first. */
  readonly spares: readonly string[]
  /** Bytes each planned host takes. */
  readonly load: ReadonlyMap<string, number>
  /** True when some segment has two shares on one host. */
  readonly reduced: boolean
}

/** The largest number of shares of one segment that any host holds in this plan (1 = fully spread). */
export function maxSharesPerHost(plan: Pick<UploadPlan, 'assignments'>): number {
  let worst = 0
  for (const seg of plan.assignments) {
    const count = new Map<string, number>()
    for (const h of seg) count.set(h, (count.get(h) ?? 0) + 1)
    for (const c of count.values()) worst = Math.max(worst, c)
  }
  return worst
}

function assign(shareSizes: readonly number[], n: number, hosts: readonly string[]): { assignments: string[][]; load: Map<string, number> } {
  const load = new Map<string, number>(hosts.map((h) => [h, 0]))
  const assignments = shareSizes.map((size, s) => {
    const inSegment = new Map<string, number>()
    // Ties go to the nearest host counting from the segment's own starting point, so that
    // share 0 of successive segments lands on successive hosts.
    const order = hosts.map((_, j) => hosts[(s + j) % hosts.length]!)
    return Array.from({ length: n }, () => {
      // The host with the fewest shares of this segment, then the least loaded, then the nearest.
      let best = order[0]!
      for (const h of order) {
        const d = (inSegment.get(h) ?? 0) - (inSegment.get(best) ?? 0) || load.get(h)! - load.get(best)!
        if (d < 0) best = h
      }
      inSegment.set(best, (inSegment.get(best) ?? 0) + 1)
      load.set(best, load.get(best)! + size)
      return best
    })
  })
  return { assignments, load }
}

/** Hosts a plan considers at most (the first in rank order), which bounds its work. */
export const MAX_PLAN_HOSTS = 64

/** The plan, or undefined when the hosts together cannot hold the file. */
export function planUpload(input: PlanInput): UploadPlan | undefined {
  const { shareSizes, n } = input
  const spareCount = input.spares ?? 2
  const ranked = rankHosts({
    hosts: input.hosts,
    target: input.target,
    n,
    want: n + spareCount,
    ...(input.maxPrice !== undefined ? { maxPrice: input.maxPrice } : {}),
    ...(input.preference ? { preference: input.preference } : {}),
  }).slice(0, MAX_PLAN_HOSTS)
  const free = new Map(ranked.map((h) => [h.peerId, h.free]))
  // Grow the set of hosts until every host's part fits its room; a host whose part does not fit
  // even then is left out (it has too little room for this file) and the rest are tried again.
  let pool = ranked.map((h) => h.peerId)
  for (;;) {
    if (pool.length === 0) return undefined
    for (let m = Math.min(n, pool.length); m <= pool.length; m++) {
      const chosen = pool.slice(0, m)
      const { assignments, load } = assign(shareSizes, n, chosen)
      if ([...load].every(([h, bytes]) => bytes <= free.get(h)!)) {
        const spares = pool.slice(m, m + spareCount)
        return { hosts: chosen, assignments, spares, load, reduced: maxSharesPerHost({ assignments }) > 1 }
      }
    }
    // Even with every host, someone's part does not fit: drop the host with the least room.
    const smallest = pool.reduce((a, b) => (free.get(a)! <= free.get(b)! ? a : b))
    pool = pool.filter((h) => h !== smallest)
  }
}
