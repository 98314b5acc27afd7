/**
 * The owner's side of paying an upload, pure (docs/LEDGER.md §4): what each priced host of a plan
 * is paid, in which windows, and which of its shares each window locks.
 *
 * An escrow has PAY_WINDOWS windows. Window 0 is pay on delivery: the owner reveals its nonce once
 * the manifest is saved, and its deadline is the pending lease (3 days), so an upload that never
 * finishes is refunded soon. Windows 1..AUDIT_WINDOWS are pay per audit: the lease term is cut into
 * that many periods; window i becomes due in the middle of period i (the owner reveals its nonce at
 * the first passed audit from then on) and can be claimed until a day after the period ends. A
 * host that dropped the data cannot compute r_i; an owner who never audits pays nothing more, and
 * the refund returns the rest after the last deadline.
 *
 * Which share a window locks: window i of host h locks h's first share in segment
 * S_h[u32be(nonce_i[0..4]) mod |S_h|], S_h being the segments where h has a share. The nonces are
 * secret until revealed, so the host cannot know which of its shares a window will ask for.
 */
import { InvalidInputError } from '../core/errors.ts'
import { MAX_WINDOWS } from './escrow.ts'

/** Pay on delivery, then three audit windows over the lease: 8 hosts lock 24 XLM of reserves (returned). */
export const AUDIT_WINDOWS = 3
export const PAY_WINDOWS = 1 + AUDIT_WINDOWS
/** Seconds the delivery window stays claimable: the pending lease of shares still being placed. */
export const DELIVERY_WINDOW_S = 3 * 86_400
/** After an audit period ends, a day more to claim its window. */
export const CLAIM_GRACE_S = 86_400
const GIB = 2 ** 30
const MONTH_MS = 30 * 86_400_000

/** Stroops an upload of `bytes` pays a host charging `price` stroops per GiB-month, over `termMs`. */
export function hostPrice(bytes: number, price: number, termMs: number): bigint {
  if (!(Number.isSafeInteger(bytes) && bytes >= 0 && Number.isSafeInteger(price) && price >= 0 && termMs > 0)) {
    throw new InvalidInputError('A host price needs whole bytes, a whole price and a positive term.')
  }
  // bytes × price × months, rounded up; in BigInt so large files do not lose precision.
  const num = BigInt(bytes) * BigInt(price) * BigInt(Math.round(termMs))
  const den = BigInt(GIB) * BigInt(MONTH_MS)
  return (num + den - 1n) / den
}

export interface WindowPlan {
  readonly index: number
  /** Stroops this window pays. */
  readonly amount: bigint
  /** Unix seconds (ledger close time): the owner reveals this window's nonce from then on. */
  readonly due: number
  /** Unix seconds: the last close time its claim is valid. */
  readonly deadline: number
}

/** The windows of one escrow paying `total` stroops, from ledger time `start` over a lease of `termMs`. */
export function windowSchedule(total: bigint, start: number, termMs: number, windows = PAY_WINDOWS): WindowPlan[] {
  if (!Number.isInteger(windows) || windows < 1 || windows > MAX_WINDOWS) throw new InvalidInputError(`An escrow has 1 to ${MAX_WINDOWS} windows.`)
  const k = BigInt(windows)
  // Every window pays at least a stroop; the last one takes what does not divide evenly.
  const amount = total < k ? 1n : total / k
  const last = total < k ? 1n : total - amount * (k - 1n)
  const period = Math.max(1, Math.floor(termMs / 1000 / Math.max(1, windows - 1)))
  return Array.from({ length: windows }, (_, i): WindowPlan => {
    const pay = i === windows - 1 ? last : amount
    if (i === 0) return { index: 0, amount: pay, due: start, deadline: start + DELIVERY_WINDOW_S }
    const deadline = Math.max(start + i * period + CLAIM_GRACE_S, start + DELIVERY_WINDOW_S + i)
    return { index: i, amount: pay, due: start + (i - 1) * period + Math.floor(period / 2), deadline }
  })
}

/** A share of the plan: segment and share index. */
export interface ShareRef {
  readonly segment: number
  readonly share: number
}

/** Each segment where `host` has a share, with its first share there, in segment order. */
export function hostShares(assignments: readonly (readonly string[])[], host: string): ShareRef[] {
  const out: ShareRef[] = []
  assignments.forEach((seg, segment) => {
    const share = seg.indexOf(host)
    if (share >= 0) out.push({ segment, share })
  })
  return out
}

/** The share window `nonce` locks among a host's shares (see the top of this file). */
export function lockedShare(nonce: Uint8Array, shares: readonly ShareRef[]): ShareRef {
  if (shares.length === 0) throw new InvalidInputError('A host with no share in the plan has nothing to lock.')
  if (!(nonce instanceof Uint8Array) || nonce.length < 4) throw new InvalidInputError('A window nonce has at least 4 bytes.')
  const n = ((nonce[0]! << 24) | (nonce[1]! << 16) | (nonce[2]! << 8) | nonce[3]!) >>> 0
  return shares[n % shares.length]!
}

/** The id of one escrow (never reused, see keys.ts): the upload's file id, the host and the attempt. */
export function escrowIdOf(fileIdHex: string, host: string, attempt: number): string {
  return `${fileIdHex}:${host}:${attempt}`
}
