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
 * 4-of-8 (2× storage, survives any 4 lost hosts), rebuilt as soon as one share is lost (r = n).
 * With tabs online a third of the time, a rebuild needs 4 holders online at once, which gets rare
 * as holders leave, so repairing early is what keeps files: in the durability simulation
 * (`npm run bench durability`, at 10 %/month churn and the 7-day wait) r = 8 loses about 2,000
 * files per million a year, r = 7 about 18,000 and r = 6 about 90,000 (3× mirroring patched
 * monthly: 86,000), for 0.5 stored bytes of repair traffic a month. No r makes 4-of-8 the issue's
 * thousand times safer than mirroring under that model; 4-of-12 (3× storage) at r = 10 is.
 */
export const DEFAULT_POLICY: RedundancyPolicy = Object.freeze({ k: 4, n: 8, repairThreshold: 8 })

/** GF(2^8) has 256 elements, and the Vandermonde construction needs a distinct one per share. */
export const MAX_SHARES = 255

/**
 * Validates and returns a frozen copy. Rules: integers, 1 <= k < n <= 255,
 * k < repairThreshold <= n; repairThreshold defaults to k + ceil((n - k) / 2).
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
  const repairThreshold = p.repairThreshold ?? k + Math.ceil((n - k) / 2)
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
