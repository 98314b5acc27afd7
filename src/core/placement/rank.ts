/**
 * The order in which a plan takes hosts. Kademlia's XOR order alone is uneven: a peer's chance of
 * being nearest to a random key is the size of its gap in the key space, and those gaps differ
 * several-fold, so pure XOR order loaded the busiest of 100 hosts 2.4–2.75× the mean. The rule:
 *
 * 1. **Room**: only hosts with free space.
 * 2. **Price**: hosts over the owner's limit (`maxPrice`, stroops per GiB-month; a free host's
 *    price is 0) are left out, unless fewer than n hosts are within it; then they come after
 *    every host within it, cheapest first (better paid hosts than fewer than n hosts).
 * 3. **Window**: of those, the nearest `CHOICES × want` by XOR distance from the file's key (want
 *    = n + spares): distance still decides which part of the network a file looks at, so
 *    different files start at different hosts.
 * 4. **Cost**, within the window, lowest first; XOR distance breaks ties:
 *      cost = load + STEADY_WEIGHT × (1 − steadiness) + PREFERENCE_WEIGHT × (1 − preference)
 *    - load: used ÷ quota as the host says (0 when it does not say): the less loaded of the
 *      nearest hosts are taken (power-of-d-choices, d = CHOICES), which evens load out;
 *    - steadiness: ½ for persistent storage, ½ for running as a server or an installed app
 *      (not a plain tab that closes or is discarded): a plain tab with evictable storage is taken
 *      over a steady host only once the steady host is STEADY_WEIGHT (a quarter of its quota)
 *      fuller;
 *    - preference: the owner's 0..1 score of the host (its online and audit record; default 1).
 * 5. Then the rest of the hosts within the limit by distance, then those over it.
 *
 * Pure: no I/O, and the same input gives the same order.
 */
import { compareDistance, type Candidate } from './index.ts'

/**
 * The window is this many times the hosts wanted: each host taken is the best of about three.
 * In a simulated 100-host network (rank.test.ts) two gave a busiest host 1.9–2.25× the mean,
 * three 1.5–1.9× (pure XOR order: 2.4–4.25×).
 */
export const CHOICES = 3
/** How much a host's steadiness counts against its load fraction. */
export const STEADY_WEIGHT = 0.25
/** How much the owner's preference counts against a host's load fraction. */
export const PREFERENCE_WEIGHT = 0.5

export interface RankInput {
  readonly hosts: readonly Candidate[]
  readonly target: Uint8Array
  /** Shares per segment: fewer hosts than this within the price limit lets the others in. */
  readonly n: number
  /** Hosts the plan would like to have to choose from (n + spares). */
  readonly want: number
  readonly maxPrice?: number
  readonly preference?: (peerId: string) => number
}

/** A host's load as it says (used ÷ quota, at most 1), 0 when it does not say. */
export function loadOf(h: Candidate): number {
  if (h.used === undefined || h.quota === undefined || !(h.quota > 0)) return 0
  return Math.min(1, Math.max(0, h.used / h.quota))
}

/** 0 (a plain tab, storage not persistent) to 1 (persistent storage on a server or an installed app). */
export function steadinessOf(h: Candidate): number {
  return (h.persistent === true ? 0.5 : 0) + (h.kind === 'server' || h.kind === 'app' ? 0.5 : 0)
}

/** What choosing this host costs in the window (lower is better). */
export function costOf(h: Candidate, preference: (peerId: string) => number): number {
  const p = Math.min(1, Math.max(0, preference(h.peerId)))
  return loadOf(h) + STEADY_WEIGHT * (1 - steadinessOf(h)) + PREFERENCE_WEIGHT * (1 - p)
}

/** The hosts with room, in the order a plan takes them (the rule above). */
export function rankHosts(input: RankInput): Candidate[] {
  const { target, maxPrice } = input
  const preference = input.preference ?? (() => 1)
  const byDistance = (a: Candidate, b: Candidate): number => compareDistance(target, a.kadId, b.kadId)
  const roomy = input.hosts.filter((h) => h.free > 0)
  const within = maxPrice === undefined ? roomy : roomy.filter((h) => (h.price ?? 0) <= maxPrice)
  const over = maxPrice === undefined ? [] : roomy.filter((h) => (h.price ?? 0) > maxPrice)
  const near = [...within].sort(byDistance)
  const width = Math.max(input.n, CHOICES * input.want)
  const cost = new Map(near.slice(0, width).map((h) => [h.peerId, costOf(h, preference)]))
  const window = near.slice(0, width).sort((a, b) => cost.get(a.peerId)! - cost.get(b.peerId)! || byDistance(a, b))
  const rest = near.slice(width)
  if (within.length >= input.n) return [...window, ...rest]
  return [...window, ...rest, ...over.sort((a, b) => (a.price ?? 0) - (b.price ?? 0) || byDistance(a, b))]
}
