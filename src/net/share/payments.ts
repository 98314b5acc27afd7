/**
 * A host's side of being paid (docs/LEDGER.md §4): its price and payout account, the escrow offers
 * it accepted (PaymentStore), and the claims it made. The handlers `offer`, `reveal` and `store`
 * use it; without it (or with a price of 0) a host stores for free, as before.
 *
 * The escrow checks and claims are src/pay/host.ts (stellar-sdk), loaded only when an offer or a
 * reveal arrives, so a free host never loads them; the ledger is asked for the same way (the app
 * passes a factory that makes the Horizon adapter for its ledger setting).
 */
import { toHex } from '../../core/bytes.ts'
import { LayrError } from '../../core/errors.ts'
import type { Ledger } from '../../ports/ledger.ts'
import type { ClaimRecord, PaymentStore, StoredOffer } from '../../ports/payment-store.ts'
import type { OfferTerms } from './auth.ts'
import { formatXlm } from '../../pay/amounts.ts'

export interface HostPricing {
  /** Stroops per GiB-month; 0: this host stores for free. */
  readonly price: number
  /** The account (G…) escrows must pay; a price counts only with one. */
  readonly account?: string
}

export interface HostPaymentOptions {
  readonly store: PaymentStore
  /** The ledger escrows are checked on and claims are sent to, made when first needed. */
  readonly ledger: () => Promise<Ledger>
  readonly pricing?: HostPricing
  /** Seconds the host needs between an offer and its escrow's first deadline (default 600). */
  readonly minTimeLeft?: number
  /** Open offers kept per owner (default 64): more are refused over-quota. */
  readonly maxOffersPerOwner?: number
}

/** Why an offer or a reveal was refused: EscrowRejection's reasons (src/pay/host.ts), or these. */
export type PaymentReason =
  | 'free'
  | 'taken'
  | 'claimed'
  | 'deadline-passed'
  | 'ledger'
  | 'malformed'
  | 'not-for-this-host'
  | 'missing'
  | 'not-locked'
  | 'signers'
  | 'sequence'
  | 'underfunded'
  | 'deadline'
  | 'price'
  | 'host-account'
  | 'preimage'

/** An offer or a reveal the host will not act on; the handler answers `payment-refused` with the reason. */
export class PaymentRefusedError extends LayrError {
  override readonly name = 'PaymentRefusedError'
  constructor(
    readonly reason: PaymentReason,
    message: string,
  ) {
    super(message)
  }
}

/** Too many open offers from one owner. */
export class TooManyOffersError extends LayrError {
  override readonly name = 'TooManyOffersError'
}

export class HostPayments {
  #pricing: HostPricing
  readonly #store: PaymentStore
  readonly #ledger: () => Promise<Ledger>
  readonly #minTimeLeft: number
  readonly #maxOffers: number
  /** "escrow/window" of every claim made, loaded once. */
  #claimed: Promise<Set<string>> | undefined

  constructor(options: HostPaymentOptions) {
    this.#store = options.store
    this.#ledger = options.ledger
    this.#pricing = options.pricing ?? { price: 0 }
    this.#minTimeLeft = options.minTimeLeft ?? 600
    this.#maxOffers = options.maxOffersPerOwner ?? 64
  }

  get pricing(): HostPricing {
    return this.#pricing
  }

  setPricing(pricing: HostPricing): void {
    this.#pricing = pricing
  }

  /** Whether stores need an accepted offer: a price and an account to pay. */
  get priced(): boolean {
    return this.#pricing.price > 0 && this.#pricing.account !== undefined
  }

  get store(): PaymentStore {
    return this.#store
  }

  #claimedSet(): Promise<Set<string>> {
    this.#claimed ??= this.#store.claims().then((cs) => new Set(cs.map((c) => `${c.escrow}/${c.window}`)))
    this.#claimed.catch(() => (this.#claimed = undefined))
    return this.#claimed
  }

  /** The owner's accepted offers that can still pay: some window not claimed whose deadline is ahead (host clock). */
  async openOffers(owner: Uint8Array | string, nowMs: number): Promise<StoredOffer[]> {
    const hex = typeof owner === 'string' ? owner : toHex(owner)
    const claimed = await this.#claimedSet()
    const now = Math.floor(nowMs / 1000)
    return (await this.#store.offers(hex)).filter((o) => o.windows.some((w, i) => w.deadline > now && !claimed.has(`${o.account}/${i}`)))
  }

  /** What a store from an owner without an open offer is told. */
  paymentRequiredMessage(): string {
    return (
      `This host charges ${formatXlm(BigInt(this.#pricing.price))} per GiB-month, paid through an escrow on the ledger. ` +
      'Send it an offer first (Layr does when your wallet is connected), or back up to hosts that store for free.'
    )
  }

  /** Checks the escrow on the ledger and keeps the offer. PaymentRefusedError with the reason otherwise. */
  async accept(owner: Uint8Array, terms: OfferTerms, nowMs: number): Promise<StoredOffer> {
    const account = this.#pricing.account
    if (!this.priced || !account) throw new PaymentRefusedError('free', 'This host stores for free: it takes no escrow, so nothing was locked for it.')
    const ownerHex = toHex(owner)
    const existing = await this.#store.offer(terms.account)
    if (existing && existing.owner !== ownerHex) throw new PaymentRefusedError('taken', 'This escrow was already offered to this host by another owner.')
    if (existing && existing.payout === account && existing.refund === terms.refund && existing.claims.join() === terms.claims.join()) return existing
    if (!existing && (await this.openOffers(ownerHex, nowMs)).length >= this.#maxOffers) {
      throw new TooManyOffersError(`This host keeps at most ${this.#maxOffers} open escrows per owner; wait until earlier ones are claimed or over.`)
    }
    const [{ verifyEscrow }, ledger] = await Promise.all([import('../../pay/host.ts'), this.#ledgerOrRefuse()])
    let verified
    try {
      verified = await verifyEscrow(ledger, terms, { host: account, passphrase: ledger.network.passphrase, minTimeLeft: this.#minTimeLeft })
    } catch (err) {
      throw asRefusal(err)
    }
    const offer: StoredOffer = {
      account: terms.account,
      owner: ownerHex,
      payout: account,
      claims: [...terms.claims],
      refund: terms.refund,
      windows: verified.windows.map((w) => ({ amount: w.amount, deadline: w.deadline })),
      refundFrom: verified.refundFrom,
      acceptedAt: nowMs,
    }
    await this.#store.putOffer(offer)
    return offer
  }

  /**
   * Computes r from the share's bytes and the revealed nonce and submits window `window`'s claim.
   * Undefined when this host accepted no such escrow; PaymentRefusedError when it cannot claim.
   */
  async claim(escrow: string, window: number, nonce: Uint8Array, share: Uint8Array, nowMs: number): Promise<ClaimRecord | undefined> {
    const offer = await this.#store.offer(escrow)
    if (!offer) return undefined
    const w = offer.windows[window]
    if (!w) throw new PaymentRefusedError('malformed', `The escrow has ${offer.windows.length} window(s); there is no window ${window}.`)
    const claimed = await this.#claimedSet()
    if (claimed.has(`${escrow}/${window}`)) throw new PaymentRefusedError('claimed', `Window ${window} of this escrow was already claimed.`)
    const [pay, ledger] = await Promise.all([import('../../pay/host.ts'), this.#ledgerOrRefuse()])
    let result
    try {
      const closeTime = await ledger.closeTime()
      if (closeTime > w.deadline) throw new PaymentRefusedError('deadline-passed', `Window ${window}'s deadline passed; its money goes back to the owner.`)
      const verified = pay.verifyOffer(offer, { host: offer.payout, passphrase: ledger.network.passphrase })
      // r is checked against the lock before anything is sent: a wrong nonce or share costs nothing.
      result = await pay.claimWindow(ledger, verified, window, nonce, share)
    } catch (err) {
      throw asRefusal(err)
    }
    const record: ClaimRecord = { escrow, window, owner: offer.owner, amount: w.amount, hash: result.hash, ledger: result.ledger, at: nowMs }
    await this.#store.addClaim(record)
    claimed.add(`${escrow}/${window}`)
    return record
  }

  /** Every claim made, and what they paid in all (stroops). */
  async earnings(): Promise<{ total: bigint; claims: ClaimRecord[] }> {
    const claims = await this.#store.claims()
    return { total: claims.reduce((s, c) => s + c.amount, 0n), claims }
  }

  /** Forgets offers that are over (their refund has been valid for a day); their claims stay recorded. */
  async prune(nowMs: number): Promise<number> {
    const now = Math.floor(nowMs / 1000)
    let dropped = 0
    for (const o of await this.#store.offers()) {
      if (o.refundFrom + 86_400 < now) {
        await this.#store.deleteOffer(o.account)
        dropped++
      }
    }
    return dropped
  }

  async #ledgerOrRefuse(): Promise<Ledger> {
    try {
      return await this.#ledger()
    } catch (err) {
      throw new PaymentRefusedError('ledger', `This host cannot reach its ledger: ${(err as Error).message}`)
    }
  }
}

/** An escrow's rejection (src/pay/host.ts) or a ledger's failure, as a refusal with its reason. */
function asRefusal(err: unknown): Error {
  if (err instanceof PaymentRefusedError) return err
  const e = err as Error & { reason?: string; transaction?: string }
  if (e?.name === 'EscrowRejectedError' && typeof e.reason === 'string') return new PaymentRefusedError(e.reason as PaymentReason, e.message)
  if (e?.name === 'TransactionRejectedError') {
    if (e.transaction === 'tx_too_late') return new PaymentRefusedError('deadline-passed', `The ledger says the claim's deadline passed: ${e.message}`)
    return new PaymentRefusedError('ledger', e.message)
  }
  if (e?.name === 'LedgerUnreachableError') return new PaymentRefusedError('ledger', e.message)
  return err instanceof Error ? err : new Error(String(err))
}
