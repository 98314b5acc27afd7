/**
 * PaymentStore: what a host keeps about being paid — the escrow offers it accepted (per owner, so
 * that a priced host can tell at a store's admission whether the owner has paid) and the claims it
 * made (its earnings, for the Hosting view). Kept beside the share store: IndexedDB in the browser
 * (src/adapters/storage/idb-payments.ts), memory in tests (memory-payments.ts). The rules (which
 * offer is acceptable, when a claim is due) live above it, in src/net/share/handlers/.
 */

/** One window of an accepted escrow, as the host verified it. */
export interface OfferWindow {
  /** Stroops its claim pays the host. */
  readonly amount: bigint
  /** Unix seconds (ledger close time): its claim is valid until then. */
  readonly deadline: number
}

export interface StoredOffer {
  /** The escrow account (G…): the offer's id. */
  readonly account: string
  /** Hex of the owner's public key (the one that signed the offer). */
  readonly owner: string
  /** The host account the claims pay. */
  readonly payout: string
  /** The unsigned claims and refund, base64 XDR, as the owner sent them. */
  readonly claims: readonly string[]
  readonly refund: string
  readonly windows: readonly OfferWindow[]
  /** Unix seconds from which the refund is valid (the escrow is over for the host then). */
  readonly refundFrom: number
  /** The host's clock when it accepted the offer (ms). */
  readonly acceptedAt: number
}

export interface ClaimRecord {
  readonly escrow: string
  readonly window: number
  /** Hex of the owner whose escrow paid. */
  readonly owner: string
  /** Stroops paid to the host. */
  readonly amount: bigint
  /** Hex hash of the claim transaction. */
  readonly hash: string
  readonly ledger: number
  /** The host's clock when the claim applied (ms). */
  readonly at: number
}

export interface PaymentStore {
  /** Keeps an accepted offer (replacing one for the same escrow account). */
  putOffer(offer: StoredOffer): Promise<void>
  offer(account: string): Promise<StoredOffer | undefined>
  /** The owner's accepted offers, or every one when `owner` is omitted. */
  offers(owner?: string): Promise<StoredOffer[]>
  deleteOffer(account: string): Promise<void>
  /** Records a claim (one per escrow and window: a second for the same is ignored). */
  addClaim(claim: ClaimRecord): Promise<void>
  /** Every claim, oldest first. */
  claims(): Promise<ClaimRecord[]>
  close(): Promise<void>
}
