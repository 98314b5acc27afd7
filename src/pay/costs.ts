/**
 * What escrows cost an owner, before it signs: reserves locked (and returned), fees spent.
 * Fees are Stellar's minimum (100 stroops per operation); a congested public network may ask more.
 */
import { BASE_FEE } from './amounts.ts'
import { escrowFees, escrowReserve } from './escrow.ts'

export interface EscrowCosts {
  readonly hosts: number
  readonly windows: number
  /** Lumens that leave the owner's account beyond the hosts' price: reserves and fee buffers. */
  readonly locked: bigint
  /** Of those, the reserves (2 base reserves per escrow plus one per signer). */
  readonly reserves: bigint
  /** Fees when every window is claimed: the funding transaction, the locks and the claims. */
  readonly feesAllClaimed: bigint
  /** Fees when no window is claimed: funding, locks and refunds. */
  readonly feesAllRefunded: bigint
  /** What comes back to the owner (besides unclaimed windows' prices) when every window is claimed. */
  readonly returnedAllClaimed: bigint
  /** …when none is. */
  readonly returnedAllRefunded: bigint
}

/** Costs of one upload's escrows: `hosts` escrows of `windows` windows each, in one funding transaction. */
export function escrowCosts(hosts: number, windows: number): EscrowCosts {
  if (!Number.isInteger(hosts) || hosts < 1) throw new RangeError(`hosts must be a positive integer, got ${hosts}`)
  const h = BigInt(hosts)
  const f = escrowFees(windows)
  const reserves = h * escrowReserve(windows)
  const buffers = h * (f.lock + f.claims + f.refund)
  const funding = h * BASE_FEE
  const locked = reserves + buffers
  const claimedPath = h * (f.lock + f.claims)
  const refundedPath = h * (f.lock + f.refund)
  return {
    hosts,
    windows,
    locked,
    reserves,
    feesAllClaimed: funding + claimedPath,
    feesAllRefunded: funding + refundedPath,
    returnedAllClaimed: locked - claimedPath,
    returnedAllRefunded: locked - refundedPath,
  }
}
