/**
 * Lumens as stroops (bigint) and the network constants that shape escrows. Stellar amounts are
 * decimal strings with 7 fractional digits ("1.5000000"); Layr never holds one as a float.
 */
import { InvalidInputError } from '../core/errors.ts'
import { STROOPS_PER_XLM } from '../ports/ledger.ts'

export { STROOPS_PER_XLM }

/** Base reserve: every account holds 2 of them, and one more per signer or other subentry. */
export const BASE_RESERVE = 5_000_000n
/** Fee per operation (Stellar's minimum, what an uncongested network charges). */
export const BASE_FEE = 100n
/** An account has at most this many signers besides its master key. */
export const MAX_SIGNERS = 20
/** A transaction has at most this many extra signers (CAP-21 preconditions). */
export const MAX_EXTRA_SIGNERS = 2
/** A transaction has at most this many operations. */
export const MAX_OPS_PER_TX = 100
/** The largest amount an int64 can hold. */
export const MAX_STROOPS = (1n << 63n) - 1n

/** The minimum balance of an account with `subentries` signers/subentries: (2 + n) base reserves. */
export function minimumBalance(subentries: number): bigint {
  return (2n + BigInt(subentries)) * BASE_RESERVE
}

const AMOUNT = /^(\d{1,12})(?:\.(\d{1,7}))?$/

/** "1.5" or "1.5000000" → 15000000n. RangeError for anything that is not a non-negative amount with ≤ 7 decimals. */
export function toStroops(amount: string): bigint {
  const m = AMOUNT.exec(amount)
  if (!m) throw new InvalidInputError(`Not an amount of lumens: "${amount}" (expected digits with at most 7 decimals).`)
  const whole = BigInt(m[1]!)
  const frac = BigInt((m[2] ?? '').padEnd(7, '0'))
  const stroops = whole * STROOPS_PER_XLM + frac
  if (stroops > MAX_STROOPS) throw new InvalidInputError(`Amount too large: ${amount}.`)
  return stroops
}

/** 15000000n → "1.5000000" (Horizon's and stellar-sdk's format). */
export function fromStroops(stroops: bigint): string {
  if (stroops < 0n) return `-${fromStroops(-stroops)}`
  const whole = stroops / STROOPS_PER_XLM
  const frac = stroops % STROOPS_PER_XLM
  return `${whole}.${frac.toString().padStart(7, '0')}`
}

/** For people: "1.5 XLM", "0.0004 XLM" (trailing zeros dropped). */
export function formatXlm(stroops: bigint): string {
  const text = fromStroops(stroops).replace(/\.?0+$/, '')
  return `${text} XLM`
}
