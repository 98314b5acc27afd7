/**
 * Placement: which peer holds which share of a segment. Each share goes to the peer whose
 * Kademlia id is XOR-closest to the share's key (so a lookup for the key finds it again),
 * skipping peers that already hold a share of the same segment or lack room. When there are
 * fewer suitable peers than shares, the plan says so (`reduced`) and spreads the rest over
 * the least-loaded peers: it never doubles up silently while a distinct peer has room.
 * Pure: peers come in as ids, Kademlia ids and free space; nothing here does I/O.
 */
export interface Candidate {
  readonly peerId: string
  /** The peer's Kademlia id (sha256 of its peer id bytes), compared by XOR with share keys. */
  readonly kadId: Uint8Array
  /** Bytes the peer says it can still take. */
  readonly free: number
}

export interface ShareToPlace {
  readonly index: number
  readonly key: Uint8Array
  readonly size: number
}

export interface SegmentPlacement {
  /** For each share (by position in the input), the chosen peer, or undefined if nobody has room. */
  readonly holders: readonly (string | undefined)[]
  /** True when some peer got more than one share of this segment (fewer distinct peers than shares). */
  readonly reduced: boolean
}

/** Compares a and b by XOR distance to target: negative when a is closer. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = (a[i] ?? 0) ^ target[i]!
    const db = (b[i] ?? 0) ^ target[i]!
    if (da !== db) return da - db
  }
  return 0
}

export function placeSegment(shares: readonly ShareToPlace[], candidates: readonly Candidate[], exclude: ReadonlySet<string> = new Set()): SegmentPlacement {
  const free = new Map(candidates.filter((c) => !exclude.has(c.peerId)).map((c) => [c.peerId, c.free]))
  const pool = candidates.filter((c) => free.has(c.peerId))
  const load = new Map<string, number>()
  const holders: (string | undefined)[] = []
  let reduced = false
  for (const share of shares) {
    const byDistance = [...pool].sort((a, b) => compareDistance(share.key, a.kadId, b.kadId))
    const fits = byDistance.filter((c) => free.get(c.peerId)! >= share.size)
    let pick = fits.find((c) => !load.has(c.peerId))
    if (!pick && fits.length > 0) {
      reduced = true
      pick = [...fits].sort((a, b) => load.get(a.peerId)! - load.get(b.peerId)!)[0]
    }
    holders.push(pick?.peerId)
    if (pick) {
      free.set(pick.peerId, free.get(pick.peerId)! - share.size)
      load.set(pick.peerId, (load.get(pick.peerId) ?? 0) + 1)
    }
  }
  return { holders, reduced }
}
