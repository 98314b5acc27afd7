/**
 * Placement: which host holds which share. An upload is planned whole before any share leaves
 * (plan.ts): hosts ranked by XOR distance of their Kademlia id from the file's key, every
 * segment's n shares on n distinct hosts whenever there are n, loads even, and spares held in
 * reserve. When there are fewer hosts than shares the plan says so (`reduced`): it never doubles
 * up while a distinct host has room. Pure: hosts come in as ids, Kademlia ids and free space.
 */
export interface Candidate {
  readonly peerId: string
  /** The peer's Kademlia id (sha256 of its peer id bytes), compared by XOR with keys. */
  readonly kadId: Uint8Array
  /** Bytes the peer says it can still take. */
  readonly free: number
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

export { MAX_PLAN_HOSTS, maxSharesPerHost, planUpload, type PlanInput, type UploadPlan } from './plan.ts'
