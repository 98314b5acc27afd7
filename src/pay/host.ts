/**
 * The host's side of an escrow. Before it accepts a share it is paid for, a host checks the offer
 * (the claims and the refund the owner sent) and the escrow account on the ledger, trusting nothing
 * the owner says: `verifyEscrow`. With the share's bytes and a window's nonce it then computes r and
 * submits that window's claim: `claimWindow`.
 */
import { FeeBumpTransaction, SignerKey, StrKey, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk/base'
import { LayrError } from '../core/errors.ts'
import type { Ledger, SubmitResult } from '../ports/ledger.ts'
import { BASE_FEE, fromStroops, toStroops } from './amounts.ts'
import { escrowFees, escrowReserve, fromHex, hex, MAX_WINDOWS, signClaim, type Escrow } from './escrow.ts'
import { claimLock, claimPreimage } from './preimage.ts'

/** What the owner sends a host with (or before) the share. Plain strings: it travels as JSON or CBOR. */
export interface EscrowOffer {
  readonly account: string
  readonly claims: readonly string[]
  readonly refund: string
}

export function offerOf(escrow: Escrow): EscrowOffer {
  return { account: escrow.account, claims: escrow.claims.map((c) => c.xdr), refund: escrow.refund.xdr }
}

export type EscrowRejection =
  /** The offer's transactions are not an escrow of the expected shape. */
  | 'malformed'
  /** The claims do not pay this host. */
  | 'not-for-this-host'
  /** The escrow account does not exist (not funded yet, or already merged). */
  | 'missing'
  /** Its master key can still sign, or its thresholds let other signers in. */
  | 'not-locked'
  /** Its signers are not exactly the offer's claims and refund. */
  | 'signers'
  /** Its sequence number is not the one right after the lock (a claim already applied). */
  | 'sequence'
  /** Its balance cannot pay every window, reserve and fee. */
  | 'underfunded'
  /** The first deadline is too close. */
  | 'deadline'
  /** It pays less than the host's price. */
  | 'price'
  /** The host's own account does not exist, so a claim's payment would fail. */
  | 'host-account'
  /** r computed from the bytes held does not open the claim. */
  | 'preimage'

export class EscrowRejectedError extends LayrError {
  override readonly name = 'EscrowRejectedError'
  constructor(
    readonly reason: EscrowRejection,
    message: string,
  ) {
    super(message)
  }
}

export interface HostExpectations {
  /** The host's own account id: every claim must pay it. */
  readonly host: string
  readonly passphrase: string
  /** The least the escrow must pay in all (the host's price for this share), stroops. */
  readonly minAmount?: bigint
  /** Seconds the host needs between now and the first deadline (to receive and claim). */
  readonly minTimeLeft: number
}

export interface VerifiedWindow {
  readonly index: number
  readonly amount: bigint
  readonly deadline: number
  readonly lock: Uint8Array
  readonly claimXdr: string
  readonly hash: string
}

export interface VerifiedEscrow {
  readonly account: string
  readonly owner: string
  readonly host: string
  readonly startSequence: bigint
  readonly windows: readonly VerifiedWindow[]
  readonly refundHash: string
  readonly refundFrom: number
}

const reject = (reason: EscrowRejection, message: string): EscrowRejectedError => new EscrowRejectedError(reason, message)

function parse(xdrText: string, passphrase: string, what: string): Transaction {
  let tx
  try {
    tx = TransactionBuilder.fromXDR(xdrText, passphrase)
  } catch {
    throw reject('malformed', `The escrow's ${what} is not a transaction envelope.`)
  }
  if (tx instanceof FeeBumpTransaction) throw reject('malformed', `The escrow's ${what} is a fee bump.`)
  return tx
}

function plainPreconditions(tx: Transaction, what: string): void {
  if (tx.ledgerBounds || (tx.minAccountSequenceAge ?? 0n) !== 0n || (tx.minAccountSequenceLedgerGap ?? 0) !== 0 || tx.signatures.length !== 0) {
    throw reject('malformed', `The escrow's ${what} carries conditions or signatures it should not.`)
  }
  if (BigInt(tx.fee) !== BASE_FEE * BigInt(tx.operations.length)) throw reject('malformed', `The escrow's ${what} does not pay the base fee.`)
}

/** Checks the offer's transactions alone (no ledger): the shape `buildEscrow` produces, paying `host`. */
export function verifyOffer(offer: EscrowOffer, expect: Pick<HostExpectations, 'host' | 'passphrase'>): VerifiedEscrow {
  if (!StrKey.isValidEd25519PublicKey(offer.account)) throw reject('malformed', 'The escrow account is not a G… address.')
  const k = offer.claims.length
  if (k < 1 || k > MAX_WINDOWS) throw reject('malformed', `An escrow has 1 to ${MAX_WINDOWS} claims, got ${k}.`)
  const claims = offer.claims.map((x, i) => parse(x, expect.passphrase, `claim ${i}`))
  const start = BigInt(claims[0]!.sequence) - 2n
  const minSeq = (start + 1n).toString()
  let owner: string | undefined
  let previous = 0
  const windows = claims.map((tx, i): VerifiedWindow => {
    const what = `claim ${i}`
    plainPreconditions(tx, what)
    if (tx.source !== offer.account) throw reject('malformed', `The escrow's ${what} is not from the escrow account.`)
    if (BigInt(tx.sequence) !== start + 2n + BigInt(i) || tx.minAccountSequence !== minSeq)
      throw reject('malformed', `The escrow's ${what} has the wrong sequence numbers.`)
    const tb = tx.timeBounds
    const deadline = Number(tb?.maxTime ?? 0)
    if (!tb || tb.minTime !== '0' || deadline <= previous) throw reject('malformed', `The escrow's ${what} has no deadline after the previous one.`)
    previous = deadline
    const extra = tx.extraSigners ?? []
    const lockKey = extra.length === 1 ? safeSignerKey(extra[0]!) : undefined
    if (!lockKey?.startsWith('X')) throw reject('malformed', `The escrow's ${what} is not hash-locked by exactly one hashX extra signer.`)
    const last = i === k - 1
    const ops = tx.operations
    const pay = ops[0]
    if (ops.length !== (last ? 2 : 1) || pay?.type !== 'payment' || pay.source !== undefined || !pay.asset.isNative()) {
      throw reject('malformed', `The escrow's ${what} must be one lumen payment${last ? ' and a merge' : ''}.`)
    }
    if (pay.destination !== expect.host) throw reject('not-for-this-host', `The escrow's ${what} pays ${pay.destination}, not this host.`)
    if (last) {
      const merge = ops[1]
      if (merge?.type !== 'accountMerge' || merge.source !== undefined) throw reject('malformed', `The escrow's last claim must end with a merge.`)
      owner = merge.destination
    }
    const amount = toStroops(pay.amount)
    return { index: i, amount, deadline, lock: StrKey.decodeSha256Hash(lockKey), claimXdr: offer.claims[i]!, hash: hex(tx.hash()) }
  })
  const refund = parse(offer.refund, expect.passphrase, 'refund')
  plainPreconditions(refund, 'refund')
  const rops = refund.operations
  const refundFrom = Number(refund.timeBounds?.minTime ?? 0)
  if (
    refund.source !== offer.account ||
    BigInt(refund.sequence) !== start + 2n + BigInt(k) ||
    refund.minAccountSequence !== minSeq ||
    (refund.extraSigners ?? []).length !== 0 ||
    rops.length !== 1 ||
    rops[0]?.type !== 'accountMerge' ||
    rops[0].source !== undefined ||
    rops[0].destination !== owner
  ) {
    throw reject('malformed', 'The escrow’s refund is not a merge into the owner after every claim.')
  }
  // The refund must not be valid before the last claim's deadline has passed.
  if (refundFrom <= previous || refund.timeBounds?.maxTime !== '0') throw reject('malformed', 'The escrow’s refund becomes valid before the last deadline.')
  if (owner === expect.host || owner === offer.account || owner === undefined) throw reject('malformed', 'The escrow merges into the host or itself.')
  return { account: offer.account, owner, host: expect.host, startSequence: start, windows, refundHash: hex(refund.hash()), refundFrom }
}

function safeSignerKey(key: Parameters<typeof SignerKey.encodeSignerKey>[0]): string | undefined {
  try {
    return SignerKey.encodeSignerKey(key)
  } catch {
    return undefined
  }
}

/**
 * Everything a host checks before it accepts a share it is to be paid for: the offer's shape
 * (verifyOffer), then on the ledger that the escrow exists, is locked (master weight 0), has exactly
 * the offer's pre-authorized signers, has used no claim yet, holds every window's amount plus its
 * reserve and fees, pays at least the host's price, leaves the host time before the first deadline,
 * and that the host's own account exists.
 */
export async function verifyEscrow(ledger: Ledger, offer: EscrowOffer, expect: HostExpectations): Promise<VerifiedEscrow> {
  const v = verifyOffer(offer, expect)
  const total = v.windows.reduce((s, w) => s + w.amount, 0n)
  if (expect.minAmount !== undefined && total < expect.minAmount) {
    throw reject('price', `The escrow pays ${fromStroops(total)} XLM, less than the price of ${fromStroops(expect.minAmount)} XLM.`)
  }
  const [account, hostAccount, now] = await Promise.all([ledger.loadAccount(v.account), ledger.loadAccount(expect.host), ledger.closeTime()])
  if (!hostAccount) throw reject('host-account', `This host's account ${expect.host} does not exist on the ledger: create it before accepting paid shares.`)
  if (!account) throw reject('missing', `The escrow account ${v.account} does not exist.`)
  const k = v.windows.length
  const expected = new Set([...v.windows.map((w) => StrKey.encodePreAuthTx(fromHex(w.hash))), StrKey.encodePreAuthTx(fromHex(v.refundHash))])
  const others = account.signers.filter((s) => s.key !== account.id)
  const t = account.thresholds
  if (account.masterWeight !== 0) throw reject('not-locked', 'The escrow’s own key can still sign for it.')
  if (account.sequence !== v.startSequence + 1n)
    throw reject('sequence', 'The escrow is not at the sequence number right after its lock (not locked yet, or a claim already applied).')
  if (others.length !== expected.size || others.some((s) => s.type !== 'preAuthTx' || !expected.has(s.key))) {
    throw reject('signers', 'The escrow’s signers are not exactly its claims and refund.')
  }
  if (others.some((s) => s.weight < Math.max(t.low, t.med, t.high, 1)))
    throw reject('not-locked', 'The escrow’s thresholds are above its pre-authorized signers’ weight.')
  if (account.subentries !== others.length || account.numSponsoring !== 0) throw reject('not-locked', 'The escrow has entries that would stop its merge.')
  const fees = escrowFees(k)
  const needed = total + escrowReserve(k) + fees.claims + fees.refund
  if (account.balance < needed) throw reject('underfunded', `The escrow holds ${fromStroops(account.balance)} XLM; it needs ${fromStroops(needed)} XLM.`)
  if (v.windows[0]!.deadline - now < expect.minTimeLeft)
    throw reject('deadline', `The escrow’s first deadline is ${v.windows[0]!.deadline - now} s away; this host needs ${expect.minTimeLeft} s.`)
  return v
}

/** r for a window from the nonce and the bytes held, checked against the claim's lock. */
export function windowPreimage(escrow: VerifiedEscrow, index: number, nonce: Uint8Array, share: Uint8Array): Uint8Array {
  const w = escrow.windows[index]
  if (!w) throw new RangeError(`The escrow has no window ${index}.`)
  const r = claimPreimage(nonce, share)
  const lock = claimLock(r)
  if (hex(lock) !== hex(w.lock))
    throw reject('preimage', `The bytes held do not open window ${index}'s claim (another share, another replica, or damaged data).`)
  return r
}

/** Computes r from the bytes held, signs the window's claim with it and submits it. */
export async function claimWindow(ledger: Ledger, escrow: VerifiedEscrow, index: number, nonce: Uint8Array, share: Uint8Array): Promise<SubmitResult> {
  const r = windowPreimage(escrow, index, nonce, share)
  return ledger.submit(signClaim(escrow.windows[index]!.claimXdr, r, ledger.network.passphrase))
}
