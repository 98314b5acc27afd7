/**
 * The development ledger's state: accounts and history, as plain data that round-trips through
 * JSON (bigints as decimal strings) so it can be written to a file and read back after a restart.
 */

export interface Thresholds {
  low: number
  med: number
  high: number
}

export interface SignerState {
  /** Strkey: G… (ed25519), T… (pre-authorized transaction), X… (sha256 hash). */
  key: string
  weight: number
}

export interface AccountState {
  id: string
  balance: bigint
  seq: bigint
  /** Ledger and close time at which `seq` last changed (CAP-21 minSeqAge / minSeqLedgerGap). */
  seqLedger: number
  seqTime: number
  masterWeight: number
  thresholds: Thresholds
  signers: SignerState[]
  lastModifiedLedger: number
  lastModifiedTime: number
}

export interface TxRecord {
  hash: string
  ledger: number
  closeTime: number
  source: string
  sequence: bigint
  feeCharged: bigint
  maxFee: bigint
  successful: boolean
  operationCount: number
  /** Horizon's code per operation. */
  operationCodes: string[]
  envelopeXdr: string
  resultXdr: string
}

export type OpDetails =
  | { type: 'create_account'; funder: string; account: string; startingBalance: bigint }
  | { type: 'payment'; from: string; to: string; amount: bigint }
  | { type: 'account_merge'; account: string; into: string }
  | { type: 'set_options' }
  | { type: 'bump_sequence'; bumpTo: bigint }

export interface OpRecord {
  /** Increasing; Horizon's paging token. */
  id: bigint
  txHash: string
  ledger: number
  closeTime: number
  source: string
  successful: boolean
  details: OpDetails
}

export interface LedgerState {
  passphrase: string
  /** The latest closed ledger; each applied transaction closes one. */
  ledgerSeq: number
  /** Close time of the latest ledger (unix seconds); the clock never goes below it. */
  lastCloseTime: number
  /** Seconds added to the wall clock (moved by tests). */
  clockOffset: number
  nextOpId: bigint
  accounts: Map<string, AccountState>
  transactions: Map<string, TxRecord>
  operations: OpRecord[]
}

export const STATE_VERSION = 1

/** The JSON form of the state (what the file holds). */
export function stateToJson(state: LedgerState): string {
  return JSON.stringify(
    {
      version: STATE_VERSION,
      notice: 'Layr local development ledger: a stand-in for testing, not a blockchain. Nothing here is worth anything.',
      passphrase: state.passphrase,
      ledgerSeq: state.ledgerSeq,
      lastCloseTime: state.lastCloseTime,
      clockOffset: state.clockOffset,
      nextOpId: state.nextOpId,
      accounts: [...state.accounts.values()],
      transactions: [...state.transactions.values()],
      operations: state.operations,
    },
    (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value),
  )
}

export class LedgerStateError extends Error {
  override readonly name = 'LedgerStateError'
}

/** Parses what stateToJson wrote. LedgerStateError when it is not that. */
export function stateFromJson(text: string): LedgerState {
  let raw: unknown
  try {
    raw = JSON.parse(text, (_key, value: unknown) => (typeof value === 'string' && /^-?\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value))
  } catch (err) {
    throw new LedgerStateError(`the ledger file is not JSON: ${(err as Error).message}`)
  }
  const r = raw as Record<string, unknown>
  if (typeof r !== 'object' || r === null || r.version !== STATE_VERSION) throw new LedgerStateError(`the ledger file is not version ${STATE_VERSION}`)
  if (typeof r.passphrase !== 'string' || typeof r.ledgerSeq !== 'number' || typeof r.lastCloseTime !== 'number' || typeof r.clockOffset !== 'number') {
    throw new LedgerStateError('the ledger file lacks its header fields')
  }
  if (typeof r.nextOpId !== 'bigint' || !Array.isArray(r.accounts) || !Array.isArray(r.transactions) || !Array.isArray(r.operations)) {
    throw new LedgerStateError('the ledger file lacks its tables')
  }
  return {
    passphrase: r.passphrase,
    ledgerSeq: r.ledgerSeq,
    lastCloseTime: r.lastCloseTime,
    clockOffset: r.clockOffset,
    nextOpId: r.nextOpId,
    accounts: new Map((r.accounts as AccountState[]).map((a) => [a.id, a])),
    transactions: new Map((r.transactions as TxRecord[]).map((t) => [t.hash, t])),
    operations: r.operations as OpRecord[],
  }
}

export function cloneAccount(a: AccountState): AccountState {
  return { ...a, thresholds: { ...a.thresholds }, signers: a.signers.map((s) => ({ ...s })) }
}
