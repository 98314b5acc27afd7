/** Pure helpers of the Settings and Hosting forms. */
import { LayrError } from '../core/errors.ts'
import { formatFactor } from '../ui/format.ts'
import { MAX_LEASE_MS, MIN_LEASE_MS } from '../core/lease/index.ts'

/**
 * What k-of-n redundancy means for a person: how many hosts may vanish, and the space it costs.
 * Shares are made per part (segment) of a file, and what a file survives counts hosts: spread
 * over n hosts it survives losing n − k of them, over fewer it survives less (each file says what
 * its placement survives). undefined when the numbers cannot make a policy (the facade's
 * InvalidPolicyError says why).
 */
export function describeRedundancy(k: number, n: number): string | undefined {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || n <= k) return undefined
  const lost = n - k
  return (
    `Each part of a file becomes ${n} shares, and any ${k} of them rebuild that part. ` +
    `Spread over ${n} different hosts, it survives losing ${lost} ${lost === 1 ? 'host' : 'hosts'}, and takes ${formatFactor(n / k)} its size in space. ` +
    'With fewer hosts online, some hold several shares and a file survives fewer losses: each file says what it survives.'
  )
}

/** The longest wait the facade accepts before an unreachable host counts as lost: 30 days. */
export const MAX_LOST_AFTER_HOURS = 30 * 24

/**
 * The "counts as lost after" field (hours; 0 allowed, fractions too) in milliseconds, or undefined
 * when it is empty or out of range (the form then says what it takes).
 */
export function lostAfterMs(hours: number | null): number | undefined {
  if (hours === null || !Number.isFinite(hours) || hours < 0 || hours > MAX_LOST_AFTER_HOURS) return undefined
  return Math.round(hours * 3600_000)
}

/** The saved wait in hours for the field: whole hours, or to a tenth. */
export function lostAfterHours(ms: number): number {
  return Math.round((ms / 3600_000) * 10) / 10
}

const DAY_MS = 86_400_000

/** The lease field (whole days, 7 to 365) in milliseconds, or undefined when empty or out of range. */
export function leaseMs(days: number | null): number | undefined {
  if (days === null || !Number.isInteger(days) || days * DAY_MS < MIN_LEASE_MS || days * DAY_MS > MAX_LEASE_MS) return undefined
  return days * DAY_MS
}

/** The saved lease in days for the field. */
export function leaseDays(ms: number): number {
  return Math.round(ms / DAY_MS)
}

export type QuotaUnit = 'MiB' | 'GiB'
export const QUOTA_UNIT: Record<QuotaUnit, number> = { MiB: 1024 ** 2, GiB: 1024 ** 3 }

/** A quota in bytes as the form shows it: in GiB when that is a round figure (to 0.1), else MiB. */
export function quotaParts(bytes: number): { value: number; unit: QuotaUnit } {
  const gib = bytes / QUOTA_UNIT.GiB
  if (gib >= 1 && Math.abs(gib * 10 - Math.round(gib * 10)) < 1e-9) return { value: Math.round(gib * 10) / 10, unit: 'GiB' }
  return { value: Math.round((bytes / QUOTA_UNIT.MiB) * 10) / 10, unit: 'MiB' }
}

/** One relay multiaddr per line (or separated by commas); blank lines dropped. */
export function parseRelays(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/** The two passphrase fields of a form differ (or the first is empty). */
export class PassphraseMismatchError extends LayrError {
  override readonly name = 'PassphraseMismatchError'
}

/** The passphrase a form's two fields agree on; PassphraseMismatchError when they do not. */
export function choosePassphrase(passphrase: string, repeat: string): string {
  if (passphrase === '') throw new PassphraseMismatchError('Type a passphrase, then type it again below.')
  if (passphrase !== repeat) throw new PassphraseMismatchError('The two passphrases are not the same: type them again.')
  return passphrase
}
