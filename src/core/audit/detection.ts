import { requireInteger } from '../bytes.ts'
import { leavesPerAudit } from './challenge.ts'

/** The miss chance an owner aims for against a host that kept half of a share: 2⁻²⁰ (about one in a million). */
export const TARGET_MISS = 2 ** -20

/**
 * The chance that a host which kept `keptFraction` of a share's `leafCount` leaves (whole leaves:
 * a part of a leaf cannot answer) passes one audit: the asked leaves are distinct, so it is
 * hypergeometric, C(kept, c) / C(L, c) ≤ keptFraction^c for c = leavesPerAudit(L).
 */
export function passChance(keptFraction: number, leafCount: number): number {
  requireInteger('leafCount', leafCount, 1)
  if (!(keptFraction >= 0 && keptFraction <= 1)) throw new RangeError(`keptFraction must be from 0 to 1, got ${keptFraction}.`)
  const kept = Math.floor(keptFraction * leafCount + 1e-9)
  const c = leavesPerAudit(leafCount)
  let p = 1
  for (let i = 0; i < c; i++) p *= Math.max(0, kept - i) / (leafCount - i)
  return p
}

/** The chance it passes `audits` independent audits (fresh nonces) in a row. */
export function missChance(keptFraction: number, leafCount: number, audits: number): number {
  return passChance(keptFraction, leafCount) ** audits
}

/** The fewest audits after which such a host has been caught with probability at least 1 − target. */
export function auditsToCatch(keptFraction: number, leafCount: number, target = TARGET_MISS): number {
  const p = passChance(keptFraction, leafCount)
  if (p === 0) return 1
  if (p === 1) return Infinity
  return Math.max(1, Math.ceil(Math.log(target) / Math.log(p) - 1e-9))
}
