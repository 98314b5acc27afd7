/**
 * Leases (as Tahoe-LAFS has them): a host keeps an owner's share only until that owner's lease on
 * it ends, and the owner renews its leases while it is in touch. So a departed owner, a device
 * lost with its vault, or a backup abandoned half-way never fills a host for good.
 *
 * A lease is a term the owner signs with each store and renewal; the host caps it (MAX_LEASE_MS)
 * and counts it on its own clock from when the request arrived. Shares of a backup still being
 * placed get a short term (PENDING_LEASE_MS): once the manifest is saved they are renewed to the
 * owner's full term, so the shares of a backup that was never finished (nor resumed, nor
 * discarded) are dropped within days.
 */

const DAY = 24 * 3600_000

/** An owner's default term: what the app renews to with each day's checks. */
export const DEFAULT_LEASE_MS = 90 * DAY
/** The term of the shares of a backup that is still being placed (resumable for that long). */
export const PENDING_LEASE_MS = 3 * DAY
/** The terms an owner may choose. */
export const MIN_LEASE_MS = 7 * DAY
export const MAX_LEASE_MS = 365 * DAY
/** The longest term a host grants, whatever is asked. */
export const HOST_MAX_LEASE_MS = 400 * DAY
/** Renewals are sent when a lease has less than this fraction of its term left (or at once when unknown). */
export const RENEW_WHEN_LEFT = 0.75
/** Keys in one RENEW request. */
export const MAX_RENEW_KEYS = 256

/** When a lease granted at `now` for `term` (capped by the host) ends. */
export function leaseEnd(now: number, term: number): number {
  return now + Math.min(Math.max(0, term), HOST_MAX_LEASE_MS)
}

/** When an owner's hold on a share ends; a hold kept before leases ends DEFAULT_LEASE_MS after its last store. */
export function claimEnd(claim: { readonly since: number; readonly expires?: number }): number {
  return claim.expires ?? claim.since + DEFAULT_LEASE_MS
}
