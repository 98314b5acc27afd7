/**
 * Escrow transactions, built offline (stellar-sdk's base: no network). The owner side:
 *
 * 1. `buildFunding`: ONE transaction from the owner's account, one createAccount per host, each
 *    creating a throwaway escrow account E funded with `escrowBalance(windows)` — the price plus
 *    every reserve and fee the escrow will need. The wallet signs it (one click per upload).
 * 2. `buildEscrow`, once E exists with its starting sequence number S: E's lock transaction
 *    (signed here by E's own key, sequence S+1), and the pre-signed transactions it authorizes:
 *    - claim_i (i = 1..K), sequence S+1+i, precondition minSeqNum S+1, time bounds maxTime =
 *      deadline_i, one extra signer: hashX sha256(r_i). It pays window i's amount to the host; the
 *      last claim also merges E into the owner's account.
 *    - refund, sequence S+K+2, minSeqNum S+1, minTime = last deadline + 1: merges E into the owner.
 *    The lock adds one pre-authorized-transaction signer (weight 1) per claim and for the refund,
 *    sets the thresholds to 1/1/1 and the master weight to 0. From then on only those K+1
 *    transactions can ever be authorized for E, each at most once (pre-auth signers are removed
 *    when their transaction applies), and E's own key is worthless.
 *
 * Why these sequence numbers: minSeqNum S+1 makes claim_i valid whenever E's sequence is in
 * [S+1, S+i], so a window nobody claimed (the owner never audited, the host lost the data) does not
 * block later windows: the host skips to the next claim. A claim whose payment fails at apply time
 * (the host's account was merged away) still uses its sequence number; the refund, one sequence
 * number beyond every claim and also minSeqNum S+1, stays valid anyway, so an escrow can never be
 * stranded with its funds. (A refund with the claim's own sequence number, as first designed, would
 * be: a failed claim would use that number and nothing could ever move E's funds again.) Money of
 * unclaimed windows stays in E and goes back to the owner with the refund (or the last claim's
 * merge). Claim and refund cannot both apply: whichever merges E first ends it.
 *
 * Limits: an account has at most 20 signers, so K + 1 ≤ 20: K ≤ 19 windows (MAX_WINDOWS). Each
 * window costs the escrow 0.5 XLM more reserve while it is open (returned by the merge) and
 * 200 stroops (its signer in the lock, its claim). A transaction has at most 2 extra signers;
 * each claim uses one.
 */
import { Account, Asset, Keypair, Operation, StrKey, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk/base'
import { InvalidInputError } from '../core/errors.ts'
import { BASE_FEE, MAX_OPS_PER_TX, MAX_SIGNERS, fromStroops, minimumBalance } from './amounts.ts'

/** K + 1 pre-authorized signers (claims and refund) must fit an account's 20. */
export const MAX_WINDOWS = MAX_SIGNERS - 1
/** Pay per audit's default: three windows of a month over the 90-day lease (see docs/LEDGER.md). */
export const DEFAULT_AUDIT_WINDOWS = 3
/** How long the owner's funding transaction stays valid once built (seconds). */
export const FUNDING_VALID_FOR = 300
/** Weight of each pre-authorized signer, and every threshold of a locked escrow. */
export const LOCK_WEIGHT = 1

export interface EscrowWindow {
  /** Stroops paid to the host by this window's claim. */
  readonly amount: bigint
  /** Unix seconds: the claim is valid until this close time, inclusive. */
  readonly deadline: number
  /** sha256(r_i), r_i = sha256(nonce_i ‖ share): the claim's hashX extra signer. */
  readonly lock: Uint8Array
}

export interface EscrowTerms {
  /** G… address of the owner: refunds and leftovers go there. */
  readonly owner: string
  /** G… address of the host: claims pay it. It must exist before any claim. */
  readonly host: string
  /** 1 window is pay on delivery; more are pay per audit. Deadlines strictly increase. */
  readonly windows: readonly EscrowWindow[]
}

export interface ClaimTx {
  readonly window: number
  /** Unsigned envelope (base64 XDR); the host adds the hashX signature (signClaim) and submits it. */
  readonly xdr: string
  /** Hex hash of the transaction (its pre-auth signer is T… of it). */
  readonly hash: string
  readonly sequence: bigint
  readonly amount: bigint
  readonly deadline: number
}

export interface RefundTx {
  readonly xdr: string
  readonly hash: string
  readonly sequence: bigint
  /** Valid from this close time (unix seconds). */
  readonly validFrom: number
}

/** Everything about one escrow: what the owner keeps and (all but the lock's key) what the host is sent. */
export interface Escrow {
  readonly account: string
  readonly terms: EscrowTerms
  /** E's sequence number when it was created (S). */
  readonly startSequence: bigint
  /** Signed by E; submit it once (no wallet needed). */
  readonly lockXdr: string
  readonly claims: readonly ClaimTx[]
  readonly refund: RefundTx
}

function checkAddress(address: string, what: string): void {
  if (!StrKey.isValidEd25519PublicKey(address)) throw new InvalidInputError(`${what} is not a Stellar account id (G…): ${address}`)
}

/** Validates terms; the error says what is wrong. */
export function checkTerms(terms: EscrowTerms): void {
  checkAddress(terms.owner, 'The owner')
  checkAddress(terms.host, 'The host')
  if (terms.owner === terms.host) throw new InvalidInputError('An escrow cannot pay its owner.')
  const k = terms.windows.length
  if (k < 1 || k > MAX_WINDOWS) throw new InvalidInputError(`An escrow has 1 to ${MAX_WINDOWS} windows (20 signers per account), got ${k}.`)
  let previous = 0
  terms.windows.forEach((w, i) => {
    if (typeof w.amount !== 'bigint' || w.amount <= 0n) throw new InvalidInputError(`Window ${i} pays a positive number of stroops.`)
    if (!Number.isSafeInteger(w.deadline) || w.deadline <= previous)
      throw new InvalidInputError(`Window ${i}'s deadline must be a unix time after the previous one.`)
    if (!(w.lock instanceof Uint8Array) || w.lock.length !== 32) throw new InvalidInputError(`Window ${i}'s lock is sha256(r): 32 bytes.`)
    previous = w.deadline
  })
}

/** The fees an escrow of K windows pays from its own balance, stroops. */
export function escrowFees(windows: number): { lock: bigint; claims: bigint; refund: bigint } {
  const k = BigInt(windows)
  // The lock: one setOptions per signer (the last also sets thresholds and master weight).
  // Claims: K − 1 single payments, then payment + merge. The refund: one merge.
  return { lock: (k + 1n) * BASE_FEE, claims: (k + 1n) * BASE_FEE, refund: BASE_FEE }
}

/** The reserve a locked escrow of K windows holds: 2 base reserves and one per signer (K + 1). */
export function escrowReserve(windows: number): bigint {
  return minimumBalance(windows + 1)
}

/**
 * The starting balance of an escrow: what its windows pay, its reserve while locked, and every fee
 * it may pay (lock, all claims, and the refund, so a failed claim can still be refunded).
 */
export function escrowBalance(windows: readonly Pick<EscrowWindow, 'amount'>[]): bigint {
  const fees = escrowFees(windows.length)
  return windows.reduce((sum, w) => sum + w.amount, 0n) + escrowReserve(windows.length) + fees.lock + fees.claims + fees.refund
}

export interface FundingInput {
  /** The owner's account id and current sequence number (ledger.loadAccount). */
  readonly owner: string
  readonly ownerSequence: bigint
  readonly escrows: readonly { readonly account: string; readonly windows: readonly Pick<EscrowWindow, 'amount'>[] }[]
  readonly passphrase: string
  /** The ledger's close time now (ledger.closeTime()); the transaction is valid for FUNDING_VALID_FOR seconds. */
  readonly now: number
}

/** The owner's one funding transaction (unsigned XDR) for every escrow of an upload. */
export function buildFunding(input: FundingInput): string {
  checkAddress(input.owner, 'The owner')
  if (input.escrows.length < 1 || input.escrows.length > MAX_OPS_PER_TX) {
    throw new InvalidInputError(`One funding transaction creates 1 to ${MAX_OPS_PER_TX} escrows, got ${input.escrows.length}.`)
  }
  const seen = new Set<string>()
  const b = new TransactionBuilder(new Account(input.owner, input.ownerSequence.toString()), {
    fee: BASE_FEE.toString(),
    networkPassphrase: input.passphrase,
    timebounds: { minTime: 0, maxTime: input.now + FUNDING_VALID_FOR },
  })
  for (const e of input.escrows) {
    checkAddress(e.account, 'An escrow')
    if (seen.has(e.account) || e.account === input.owner) throw new InvalidInputError(`Escrow ${e.account} appears twice, or is the owner.`)
    seen.add(e.account)
    b.addOperation(Operation.createAccount({ destination: e.account, startingBalance: fromStroops(escrowBalance(e.windows)) }))
  }
  return b.build().toEnvelope().toXdr('base64')
}

export interface EscrowInput {
  /** E's key (escrowKeypair(seed)). */
  readonly escrow: Keypair
  /** E's sequence number as created (ledger.loadAccount(E).sequence before the lock). */
  readonly startSequence: bigint
  readonly terms: EscrowTerms
  readonly passphrase: string
}

/** The lock (signed by E), the claims and the refund of one escrow. */
export function buildEscrow(input: EscrowInput): Escrow {
  const { terms, passphrase } = input
  checkTerms(terms)
  const account = input.escrow.publicKey()
  if (account === terms.owner || account === terms.host) throw new InvalidInputError('The escrow account must be its own throwaway account.')
  const s = input.startSequence
  const k = terms.windows.length
  const minSeq = (s + 1n).toString()
  const tx = (sequence: bigint, options: { minTime?: number; maxTime?: number; extraSigner?: Uint8Array }): TransactionBuilder =>
    new TransactionBuilder(new Account(account, (sequence - 1n).toString()), {
      fee: BASE_FEE.toString(),
      networkPassphrase: passphrase,
      timebounds: { minTime: options.minTime ?? 0, maxTime: options.maxTime ?? 0 },
      minAccountSequence: minSeq,
      ...(options.extraSigner ? { extraSigners: [StrKey.encodeSha256Hash(options.extraSigner)] } : {}),
    })

  const claims: ClaimTx[] = terms.windows.map((w, i) => {
    const sequence = s + 2n + BigInt(i)
    const b = tx(sequence, { maxTime: w.deadline, extraSigner: w.lock }).addOperation(
      Operation.payment({ destination: terms.host, asset: Asset.native(), amount: fromStroops(w.amount) }),
    )
    if (i === k - 1) b.addOperation(Operation.accountMerge({ destination: terms.owner }))
    const built = b.build()
    return { window: i, xdr: built.toEnvelope().toXdr('base64'), hash: hex(built.hash()), sequence, amount: w.amount, deadline: w.deadline }
  })
  const lastDeadline = terms.windows[k - 1]!.deadline
  const refundSequence = s + 2n + BigInt(k)
  const refundTx = tx(refundSequence, { minTime: lastDeadline + 1 })
    .addOperation(Operation.accountMerge({ destination: terms.owner }))
    .build()
  const refund: RefundTx = { xdr: refundTx.toEnvelope().toXdr('base64'), hash: hex(refundTx.hash()), sequence: refundSequence, validFrom: lastDeadline + 1 }

  const preAuth = [...claims.map((c) => c.hash), refund.hash]
  const lock = new TransactionBuilder(new Account(account, s.toString()), {
    fee: BASE_FEE.toString(),
    networkPassphrase: passphrase,
    // The lock must apply before the first deadline, or the escrow is pointless.
    timebounds: { minTime: 0, maxTime: terms.windows[0]!.deadline },
  })
  preAuth.forEach((h, i) => {
    const last = i === preAuth.length - 1
    lock.addOperation(
      Operation.setOptions({
        signer: { preAuthTx: fromHex(h), weight: LOCK_WEIGHT },
        ...(last ? { masterWeight: 0, lowThreshold: LOCK_WEIGHT, medThreshold: LOCK_WEIGHT, highThreshold: LOCK_WEIGHT } : {}),
      }),
    )
  })
  const lockTx = lock.build()
  lockTx.sign(input.escrow)
  return { account, terms, startSequence: s, lockXdr: lockTx.toEnvelope().toXdr('base64'), claims, refund }
}

/** The claim with the hashX signature r added: ready to submit. Anyone may submit it; it pays only the host. */
export function signClaim(claimXdr: string, preimage: Uint8Array, passphrase: string): string {
  const tx = TransactionBuilder.fromXDR(claimXdr, passphrase) as Transaction
  tx.signHashX(preimage)
  return tx.toEnvelope().toXdr('base64')
}

export function hex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

export function fromHex(text: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new InvalidInputError('Not lowercase hex.')
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return out
}
