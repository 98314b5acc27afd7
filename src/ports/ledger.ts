/**
 * Ledger: what Layr needs from a Stellar network, and nothing more. The app builds and signs
 * transactions itself (src/pay, with stellar-sdk's offline parts); a Ledger only reads accounts,
 * takes signed transaction envelopes, tells the time the network goes by and lists what happened.
 *
 * Adapters: Horizon (src/adapters/ledger/horizon.ts) talks to any Horizon server — the relay's
 * local development ledger (relay/ledger/), Stellar testnet, or a URL the user chooses. Amounts
 * are always stroops (1 XLM = 10^7 stroops) as bigint, so no amount ever goes through a float.
 *
 * Errors are converted at the adapter boundary into the classes below: a refused transaction is a
 * TransactionRejectedError carrying Horizon's result codes (`tx_bad_seq`, `op_underfunded`, …), a
 * network that cannot be reached is a LedgerUnreachableError.
 */
import { LayrError } from '../core/errors.ts'

/** 1 XLM in stroops. */
export const STROOPS_PER_XLM = 10_000_000n

/** Which network a ledger setting points at. */
export type LedgerKind = 'local' | 'testnet' | 'custom'

export interface LedgerNetwork {
  readonly kind: LedgerKind
  /** The Horizon base URL (for `local`, the relay's own `/ledger` path). */
  readonly horizonUrl: string
  /** Signatures commit to it: a transaction signed for another network is refused (tx_bad_auth). */
  readonly passphrase: string
  /** Where test lumens come from, when the network has a friendbot. */
  readonly friendbotUrl?: string
}

export const TESTNET: LedgerNetwork = {
  kind: 'testnet',
  horizonUrl: 'https://horizon-testnet.stellar.org',
  passphrase: 'Test SDF Network ; September 2015',
  friendbotUrl: 'https://friendbot.stellar.org',
}

/** The relay's development ledger says so in its passphrase, which every signature commits to. */
export const LOCAL_PASSPHRASE = 'Layr local development ledger ; not a blockchain'

export type SignerType = 'ed25519' | 'preAuthTx' | 'sha256Hash'

export interface LedgerSigner {
  /** A strkey: G… (ed25519), T… (pre-authorized transaction hash), X… (sha256 hash, "hashX"). */
  readonly key: string
  readonly type: SignerType
  readonly weight: number
}

export interface LedgerThresholds {
  readonly low: number
  readonly med: number
  readonly high: number
}

export interface LedgerAccount {
  readonly id: string
  /** The account's sequence number (the next transaction from it uses sequence + 1). */
  readonly sequence: bigint
  /** Native balance, stroops. */
  readonly balance: bigint
  /** Signers, trustlines, offers and data entries; each costs a base reserve. */
  readonly subentries: number
  /** Every signer, the master key included (with its weight, which may be 0). */
  readonly signers: readonly LedgerSigner[]
  readonly masterWeight: number
  readonly thresholds: LedgerThresholds
  /** Accounts that sponsor others cannot be merged; escrows must have 0. */
  readonly numSponsoring: number
}

export interface SubmitResult {
  /** Hex of the transaction hash. */
  readonly hash: string
  readonly ledger: number
  /** Stroops. */
  readonly feeCharged: bigint
}

/** A transaction the ledger holds (applied, successfully or with failed operations). */
export interface LedgerTransaction {
  readonly hash: string
  readonly successful: boolean
  readonly ledger: number
  /** Unix seconds of the ledger that applied it. */
  readonly closeTime: number
  readonly source: string
  readonly feeCharged: bigint
}

/** One movement of lumens touching an account (create_account, payment or account_merge). */
export interface LedgerPayment {
  /** Horizon's paging token; pass it as `cursor` to read on. */
  readonly id: string
  readonly type: 'create_account' | 'payment' | 'account_merge'
  readonly transactionHash: string
  readonly successful: boolean
  readonly from: string
  readonly to: string
  /** Stroops; undefined for merges (Horizon's operation record does not carry the amount). */
  readonly amount?: bigint
  /** Unix seconds. */
  readonly closeTime: number
}

export interface PaymentQuery {
  readonly cursor?: string
  /** 1–200; Horizon's default is 10. */
  readonly limit?: number
  readonly order?: 'asc' | 'desc'
}

export interface Ledger {
  readonly network: LedgerNetwork
  /** The account, or undefined when it does not exist (never created, or merged away). */
  loadAccount(id: string): Promise<LedgerAccount | undefined>
  /**
   * Submits a signed transaction envelope (base64 XDR) and waits until it is applied.
   * TransactionRejectedError when the network refuses it or its operations fail.
   */
  submit(envelopeXdr: string): Promise<SubmitResult>
  /** The applied transaction with this hash (hex), or undefined when the ledger has none. */
  transaction(hash: string): Promise<LedgerTransaction | undefined>
  /** Payments, account creations and merges from or to the account, oldest first by default. */
  payments(accountId: string, query?: PaymentQuery): Promise<readonly LedgerPayment[]>
  /** The close time (unix seconds) of the network's latest ledger: the clock time bounds are checked against. */
  closeTime(): Promise<number>
  /** The base fee per operation, stroops. */
  baseFee(): Promise<bigint>
  /** True when `fund` can work (the network has a friendbot). */
  readonly canFund: boolean
  /** Creates and funds the account from the network's friendbot. FundingUnavailableError where there is none. */
  fund(id: string): Promise<void>
}

/** Anything a ledger refuses or fails at. Compare on `name`. */
export abstract class LedgerError extends LayrError {}

/**
 * The network refused a transaction, or applied it with failed operations. `transaction` is
 * Horizon's transaction result code, `operations` the per-operation codes when there are any.
 */
export class TransactionRejectedError extends LedgerError {
  override readonly name = 'TransactionRejectedError'
  constructor(
    readonly transaction: string,
    readonly operations: readonly string[] = [],
    readonly resultXdr?: string,
    message = describeRejection(transaction, operations),
  ) {
    super(message)
  }
}

/** The ledger cannot be reached, or answered something that is not Horizon. */
export class LedgerUnreachableError extends LedgerError {
  override readonly name = 'LedgerUnreachableError'
}

/** The network has no friendbot (mainnet, a custom Horizon without one). */
export class FundingUnavailableError extends LedgerError {
  override readonly name = 'FundingUnavailableError'
}

const TX_MESSAGES: Readonly<Record<string, string>> = {
  tx_bad_seq: 'its sequence number does not follow the account’s (it was already used, or another transaction came first)',
  tx_bad_auth: 'it is not signed by the keys the account requires (or was signed for another network)',
  tx_bad_auth_extra: 'it carries signatures that are not needed',
  tx_too_early: 'it is not valid yet (its time bounds start later)',
  tx_too_late: 'it is no longer valid (its time bounds have passed)',
  tx_insufficient_balance: 'the account cannot pay its fee without going below its reserve',
  tx_insufficient_fee: 'its fee is below 100 stroops per operation',
  tx_no_source_account: 'its source account does not exist',
  tx_missing_operation: 'it has no operations',
  tx_bad_minseq_age_or_gap: 'its account was used too recently',
  tx_malformed: 'it is malformed',
  tx_not_supported: 'this ledger does not support it',
}

function describeRejection(transaction: string, operations: readonly string[]): string {
  if (transaction === 'tx_failed') {
    const failed = operations.filter((c) => c !== 'op_success')
    return `The ledger applied the transaction but an operation failed (${failed.join(', ') || 'unknown'}); nothing but its fee was spent.`
  }
  const why = TX_MESSAGES[transaction]
  return why ? `The ledger refused the transaction: ${why} (${transaction}).` : `The ledger refused the transaction (${transaction}).`
}

/** The relay's development ledger, served on the relay's own origin (e.g. `http://127.0.0.1:8080`). */
export function localNetwork(relayOrigin: string): LedgerNetwork {
  const origin = relayOrigin.replace(/\/+$/, '')
  return { kind: 'local', horizonUrl: `${origin}/ledger`, passphrase: LOCAL_PASSPHRASE, friendbotUrl: `${origin}/ledger/friendbot` }
}

/** The ledger setting: the relay's development ledger, Stellar testnet, or any Horizon. */
export type LedgerChoice =
  | { readonly kind: 'local' }
  | { readonly kind: 'testnet' }
  | { readonly kind: 'custom'; readonly horizonUrl: string; readonly passphrase: string; readonly friendbotUrl?: string }

export const DEFAULT_LEDGER: LedgerChoice = { kind: 'local' }

/** Why a ledger setting cannot be used, in words for the person; undefined when it can. */
export function ledgerChoiceProblem(choice: LedgerChoice): string | undefined {
  if (choice.kind === 'local' || choice.kind === 'testnet') return undefined
  const url = (text: string | undefined, what: string): string | undefined => {
    let u: URL
    try {
      u = new URL(text ?? '')
    } catch {
      return `${what} must be a full address such as https://horizon.example.org.`
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return `${what} must start with https:// (or http:// for a ledger on this machine).`
    if (u.search || u.hash || u.username || u.password) return `${what} must be a plain address, without ?query, #fragment or credentials.`
    return undefined
  }
  if (typeof choice.passphrase !== 'string' || choice.passphrase.trim() === '' || choice.passphrase.length > 256) {
    return 'Type the network passphrase (up to 256 characters): signatures commit to it, so it must be exactly the network’s.'
  }
  return url(choice.horizonUrl, 'The Horizon address') ?? (choice.friendbotUrl !== undefined ? url(choice.friendbotUrl, 'The friendbot address') : undefined)
}

/** The network a ledger setting points at; `relayOrigin` is the page's own origin (for `local`). */
export function ledgerNetwork(choice: LedgerChoice, relayOrigin: string): LedgerNetwork {
  if (choice.kind === 'local') return localNetwork(relayOrigin)
  if (choice.kind === 'testnet') return TESTNET
  const strip = (u: string): string => u.replace(/\/+$/, '')
  return {
    kind: 'custom',
    horizonUrl: strip(choice.horizonUrl),
    passphrase: choice.passphrase,
    ...(choice.friendbotUrl ? { friendbotUrl: strip(choice.friendbotUrl) } : {}),
  }
}
