/**
 * Leases in words: what the Hosting view says about shares whose owners have not renewed them
 * (they expire, and the host drops them), and the date an interrupted backup's shares are kept
 * until. Pure, so it runs under Vitest.
 */
import type { HostingStats } from '../layr/api.ts'
import { formatBytes, formatDuration, plural } from '../ui/format.ts'

/** "3 shares (12 MiB) expire within 7 days unless their owners renew them", or undefined when none do. */
export function describeExpiring(stats: Pick<HostingStats, 'expiring'> | undefined): string | undefined {
  const e = stats?.expiring
  if (!e || e.shares <= 0) return undefined
  const verb = e.shares === 1 ? 'expires' : 'expire'
  return `${plural(e.shares, 'share')} (${formatBytes(e.bytes)}) ${verb} within ${formatDuration(e.within)} unless ${e.shares === 1 ? 'its owner renews it' : 'their owners renew them'}.`
}

/** "2 shares dropped since hosting started here: their owners' leases ended.", or undefined. */
export function describeExpired(stats: Pick<HostingStats, 'expired'> | undefined): string | undefined {
  const n = stats?.expired ?? 0
  if (n <= 0) return undefined
  return `${plural(n, 'share')} dropped since hosting started here: ${n === 1 ? 'its owner' : 'their owners'} did not renew ${n === 1 ? 'its lease' : 'their leases'}.`
}

/** A day as an interrupted backup's "kept by hosts until 3 Mar 2026". */
export function formatDay(at: number): string {
  return new Date(at).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' })
}
