/**
 * Placement: which host holds which share. An upload is planned whole before any share leaves
 * (plan.ts): hosts ranked (rank.ts) among the nearest by XOR distance of their Kademlia id from
 * the file's key, the less loaded, steadier and preferred first, within the owner's price limit;
 * every segment's n shares on n distinct hosts whenever there are n, loads even, and spares held
 * in reserve. When there are fewer hosts than shares the plan says so (`reduced`): it never
 * doubles up while a distinct host has room. Pure: hosts come in as ids, Kademlia ids and what
 * their STAT said (room, load, price, persistence, kind).
 */
export interface Candidate {
  readonly peerId: string
  /** The peer's Kademlia id (sha256 of its peer id bytes), compared by XOR with keys. */
  readonly kadId: Uint8Array
  /** Bytes the peer says it can still take. */
  readonly free: number
  /** Bytes the host holds now and is willing to hold (STAT): how loaded it is. */
  readonly used?: number
  readonly quota?: number
  /** Stroops per GiB-month the host charges (STAT); 0 or absent: free. */
  readonly price?: number
  /** The Stellar account its escrows pay, when it has a price. */
  readonly account?: string
  /** The host says its storage is persistent (not evicted under storage pressure). */
  readonly persistent?: boolean
  /** What runs the host, as it says. */
  readonly kind?: HostKind
}

/** What runs a host: a browser tab, an installed app in its own window, or a server process. */
export type HostKind = 'tab' | 'app' | 'server'

/** Compares a and b by XOR distance to target: negative when a is closer. */
export function compareDistance(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = (a[i] ?? 0) ^ target[i]!
    const db = (b[i] ?? 0) ^ target[i]!
    if (da !== db) return da - db
  }
  return 0
}

export { CHOICES, PREFERENCE_WEIGHT, STEADY_WEIGHT, costOf, loadOf, rankHosts, steadinessOf, type RankInput } from './rank.ts'
export { MAX_PLAN_HOSTS, maxSharesPerHost, planUpload, type PlanInput, type UploadPlan } from './plan.ts'
