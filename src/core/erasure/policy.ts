import { InvalidPolicyError } from '../errors.ts'

/**
 * How a segment is spread: any k of its n shares rebuild it, and repair starts once fewer
 * than repairThreshold shares are known to be healthy.
 */
export interface RedundancyPolicy {
  readonly k: number
  readonly n: number
  readonly repairThreshold: number
}

/**
 * 4-of-12: 3× storage, as much as the original Layr's 3× mirroring, and it survives any 8 lost
 * hosts; repair starts once fewer than 10 shares are counted. From the durability simulation
 * (`npm run bench durability`: tabs online a third of the time, 10 %/month leaving for good, owners
 * online 8 h a day, a 7-day wait): 4-of-12 at r = 10 lost no file in 100,000 file-years (≤ 30 per
 * million a year at 95 %; 1 in 500,000 in a longer run) where 3× mirroring patched monthly lost
 * 86,000 per million: at least 2,830× fewer. 4-of-8 (2×) cannot get there with tabs this often
 * away: a rebuild needs k holders online at once, and at r = 8, its best, it lost 2,200 per million
 * (39× fewer than mirroring). A code beats tab churn only when n/k exceeds 1 / availability.
 */
export const DEFAULT_POLICY: RedundancyPolicy = Object.freeze({ k: 4, n: 12, repairThreshold: 10 })

/** GF(2^8) has 256 elements, and the Vandermonde construction needs a distinct one per share. */
export const MAX_SHARES = 255

/**
 * Validates and returns a frozen copy. Rules: integers, 1 <= k < n <= 255,
 * k < repairThreshold <= n; repairThreshold defaults to n - floor((n - k) / 4) (10 for 4-of-12:
 * the simulation favours repairing early, since rebuilding needs k holders online at once).
 */
export function makePolicy(p: { k: number; n: number; repairThreshold?: number }): RedundancyPolicy {
  const { k, n } = p
  if (!Number.isInteger(k) || !Number.isInteger(n)) {
    throw new InvalidPolicyError(`k and n must be whole numbers, got k=${String(k)}, n=${String(n)}.`)
  }
  if (k < 1) throw new InvalidPolicyError(`k (shares needed) must be at least 1, got ${k}.`)
  if (n > MAX_SHARES) {
    throw new InvalidPolicyError(`n (shares made) can be at most ${MAX_SHARES}, got ${n}.`)
  }
  if (k >= n) {
    throw new InvalidPolicyError(`k (shares needed, ${k}) must be less than n (shares made, ${n}), or there is no redundancy.`)
  }
  const repairThreshold = p.repairThreshold ?? Math.max(k + 1, n - Math.floor((n - k) / 4))
  if (!Number.isInteger(repairThreshold)) {
    throw new InvalidPolicyError(`repairThreshold must be a whole number, got ${String(repairThreshold)}.`)
  }
  if (repairThreshold <= k || repairThreshold > n) {
    throw new InvalidPolicyError(
      `repairThreshold must be more than k (${k}) and at most n (${n}), got ${repairThreshold}: ` +
        `repair has to start while at least k shares are still left.`,
    )
  }
  return Object.freeze({ k, n, repairThreshold })
}
