/**
 * EscrowBook: the owner's record of the escrows its uploads funded (src/transfer/pay.ts), so that
 * it can reveal each window's nonce later (on delivery, at audits) and show what each escrow did.
 * The ledger is the record of what was paid; this keeps what the ledger cannot say: which upload,
 * host and share each escrow is for, and its transactions (to look them up). IndexedDB in the
 * browser, memory in tests. The nonces are not kept: they derive from the vault and the escrow id.
 */

/** One window of an owner's escrow. */
export interface BookWindow {
  /** Stroops, as a decimal string (JSON and IndexedDB keep no bigint). */
  readonly amount: string
  /** Unix seconds (ledger time): the owner reveals this window's nonce from then on. */
  readonly due: number
  /** Unix seconds: its claim is valid until then. */
  readonly deadline: number
  /** The share it locks: segment, share index and key (hex). */
  readonly segment: number
  readonly share: number
  readonly key: string
  /** The claim's transaction hash (hex). */
  readonly claim: string
  /** When the owner revealed the nonce (ms), if it did, and what the host answered. */
  readonly revealedAt?: number
  readonly outcome?: string
}

export interface EscrowEntry {
  /** The escrow account (G…). */
  readonly account: string
  /** The escrow id its seed derives from (keys.ts). */
  readonly id: string
  /** The file (hex id) and host peer the escrow pays for. */
  readonly fileId: string
  readonly host: string
  /** The host's payout account and the owner's (G…). */
  readonly payee: string
  readonly owner: string
  /** The ledger's network passphrase. */
  readonly passphrase: string
  /** The escrow's starting sequence number (decimal string). */
  readonly startSequence: string
  readonly windows: readonly BookWindow[]
  /** The refund's transaction hash (hex), valid from `refundFrom` (unix seconds). */
  readonly refund: string
  readonly refundFrom: number
  /** Whether the host accepted the offer (it then stores and can claim). */
  readonly offered: boolean
  readonly createdAt: number
}

export interface EscrowBook {
  put(entry: EscrowEntry): Promise<void>
  get(account: string): Promise<EscrowEntry | undefined>
  /** Every escrow, or those of one file. */
  list(fileId?: string): Promise<EscrowEntry[]>
  delete(account: string): Promise<void>
}
