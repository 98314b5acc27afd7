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

export const DEFAULT_POLICY: RedundancyPolicy = Object.freeze({ k: 4, n: 8, repairThreshold: 6 })

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
