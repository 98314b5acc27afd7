/**
 * The development ledger's rules: a small, honest stand-in for stellar-core, enough for Layr's
 * escrows to be tested for real. It is not a blockchain: one process holds the state, and each
 * applied transaction closes one "ledger".
 *
 * What it checks, as stellar-core does (protocol 19+ semantics):
 * - envelopes: v1 transactions only (no fee bumps, no muxed accounts), 1–100 operations, at most 20
 *   signatures, a fee of at least 100 stroops per operation;
 * - preconditions: time bounds against the ledger's clock (tx_too_early / tx_too_late), ledger
 *   bounds, minSeqNum, minSeqAge and minSeqLedgerGap, and up to two extra signers (CAP-21);
 * - sequence numbers (tx_bad_seq), and that a sequence number is never the starting one of the
 *   ledger being closed;
 * - signatures: ed25519 (over the network's transaction hash, so another network's signature is
 *   worth nothing), pre-authorized transaction hashes (removed from every source account once their
 *   transaction applies, whatever its outcome) and sha256 hash preimages ("hashX"); weights against
 *   the low threshold for the transaction and each operation's threshold (low, medium, high) for its
 *   source account; every signature must be used (tx_bad_auth_extra);
 * - reserves: an account holds (2 + signers) × 0.5 XLM; fees come out of the available balance
 *   (tx_insufficient_balance), payments and new accounts too (op_underfunded, op_low_reserve);
 * - operations: createAccount, payment (native), setOptions (master weight, thresholds, ed25519 /
 *   pre-auth / hashX signers, at most 20), accountMerge and bumpSequence. Anything else is
 *   op_not_supported.
 * A transaction that passes validation is applied: its fee is charged and its sequence number
 * used even when an operation fails (tx_failed), and then none of its operations' effects remain.
 */
import {
  FeeBumpTransaction,
  Keypair,
  SignerKey,
  StrKey,
  TransactionBuilder,
  Operation,
  Account,
  Asset,
  hash as sha256,
  type Transaction,
} from '@stellar/stellar-sdk'
import { BASE_FEE, BASE_RESERVE, MAX_EXTRA_SIGNERS, MAX_OPS_PER_TX, MAX_SIGNERS, MAX_STROOPS, fromStroops, toStroops } from '../../src/pay/amounts.ts'
import { LOCAL_PASSPHRASE } from '../../src/ports/ledger.ts'
import { resultXdr, type OpKind, type OpOutcome } from './results.ts'
import { cloneAccount, type AccountState, type LedgerState, type OpDetails, type OpRecord, type Thresholds, type TxRecord } from './state.ts'

/** What a submission comes to: applied (maybe with failed operations) or refused. */
export type SubmitOutcome =
  | { readonly applied: true; readonly record: TxRecord; readonly operations: readonly string[] }
  | { readonly applied: false; readonly transaction: string; readonly resultXdr?: string; readonly operations?: readonly string[]; readonly detail?: string }

export interface DevLedgerOptions {
  readonly passphrase?: string
  /** Wall clock in ms (default Date.now); the ledger's clock is this plus an offset tests move. */
  readonly clock?: () => number
  /** State read back from a file (store.ts). */
  readonly state?: LedgerState
  /** Lumens the friendbot gives (default 10,000 XLM, as testnet's does). */
  readonly friendbotAmount?: bigint
  readonly limits?: Partial<LedgerLimits>
}

export interface LedgerLimits {
  /** Accounts the ledger holds at most; creating more is refused (op_low_reserve is not it: tx_internal_error). */
  readonly maxAccounts: number
  /** Transactions kept in history; the oldest (and their operations) are forgotten beyond it. */
  readonly maxHistory: number
}

const DEFAULT_LIMITS: LedgerLimits = { maxAccounts: 100_000, maxHistory: 20_000 }
const MAX_SIGNATURES = 20
/** Genesis holds 100 billion lumens, as Stellar's root account did. */
const GENESIS_BALANCE = 100_000_000_000n * 10_000_000n

type Op = Transaction['operations'][number]

class OpFailure extends Error {
  constructor(readonly code: string) {
    super(code)
  }
}

class TxRefusal extends Error {
  constructor(
    readonly code: string,
    readonly operations?: readonly string[],
    readonly detail?: string,
  ) {
    super(code)
  }
}

/** The root key of a network is sha256(passphrase), as on Stellar; here it also runs the friendbot. */
export function rootKeypair(passphrase: string): Keypair {
  return Keypair.fromRawEd25519Seed(sha256(new TextEncoder().encode(passphrase)))
}

export class DevLedger {
  readonly passphrase: string
  readonly root: Keypair
  readonly #clock: () => number
  readonly #state: LedgerState
  readonly #limits: LedgerLimits
  readonly #friendbotAmount: bigint
  readonly #listeners = new Set<() => void>()

  constructor(options: DevLedgerOptions = {}) {
    this.passphrase = options.state?.passphrase ?? options.passphrase ?? LOCAL_PASSPHRASE
    if (options.passphrase !== undefined && options.state && options.state.passphrase !== options.passphrase) {
      throw new Error(`dev ledger: the saved state is for network "${options.state.passphrase}", not "${options.passphrase}"`)
    }
    this.root = rootKeypair(this.passphrase)
    this.#clock = options.clock ?? Date.now
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.#friendbotAmount = options.friendbotAmount ?? 10_000n * 10_000_000n
    if (options.state) {
      this.#state = options.state
    } else {
      const now = Math.floor(this.#clock() / 1000)
      this.#state = {
        passphrase: this.passphrase,
        ledgerSeq: 1,
        lastCloseTime: now,
        clockOffset: 0,
        nextOpId: 1n,
        accounts: new Map(),
        transactions: new Map(),
        operations: [],
      }
      this.#state.accounts.set(this.root.publicKey(), newAccount(this.root.publicKey(), GENESIS_BALANCE, 1, now))
    }
  }

  /** Called after every change (a transaction applied, the clock moved): the file store listens. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  get state(): Readonly<LedgerState> {
    return this.#state
  }

  get ledgerSeq(): number {
    return this.#state.ledgerSeq
  }

  /** The close time (unix seconds) the next ledger would have: the moved clock, never going back. */
  now(): number {
    return Math.max(this.#state.lastCloseTime, Math.floor(this.#clock() / 1000) + this.#state.clockOffset)
  }

  /** Moves the clock forward (tests: "wait until after the deadline"). */
  advanceClock(seconds: number): number {
    if (!Number.isSafeInteger(seconds) || seconds < 0) throw new RangeError(`the clock moves forward by a whole number of seconds, got ${seconds}`)
    this.#state.clockOffset += seconds
    this.#changed()
    return this.now()
  }

  /** Sets the clock to a unix time at or after the current one. */
  setClock(unixSeconds: number): number {
    if (!Number.isSafeInteger(unixSeconds) || unixSeconds < this.now()) {
      throw new RangeError(`the ledger's clock cannot go back: it is ${this.now()}, asked for ${unixSeconds}`)
    }
    this.#state.clockOffset += unixSeconds - this.now()
    this.#changed()
    return this.now()
  }

  account(id: string): AccountState | undefined {
    const a = this.#state.accounts.get(id)
    return a && cloneAccount(a)
  }

  transaction(hash: string): TxRecord | undefined {
    return this.#state.transactions.get(hash)
  }

  /** Operations touching the account (as source, destination, funder, merged account or merge target). */
  operationsOf(accountId: string): OpRecord[] {
    return this.#state.operations.filter((op) => touches(op, accountId))
  }

  /** Creates `address` with the friendbot's lumens, through a real createAccount from the root account. */
  fund(address: string): SubmitOutcome {
    if (!StrKey.isValidEd25519PublicKey(address)) return { applied: false, transaction: 'tx_malformed', detail: 'addr is not a G… account id' }
    const root = this.#state.accounts.get(this.root.publicKey())
    if (!root) return { applied: false, transaction: 'tx_internal_error', detail: 'the friendbot account is gone' }
    const tx = new TransactionBuilder(new Account(root.id, root.seq.toString()), { fee: BASE_FEE.toString(), networkPassphrase: this.passphrase })
      .addOperation(Operation.createAccount({ destination: address, startingBalance: fromStroops(this.#friendbotAmount) }))
      .setTimeout(0)
      .build()
    tx.sign(this.root)
    return this.submit(tx.toEnvelope().toXdr('base64'))
  }

  /** Validates and, when valid, applies a base64 transaction envelope. */
  submit(envelopeXdr: string): SubmitOutcome {
    let tx: Transaction
    try {
      const parsed = TransactionBuilder.fromXDR(envelopeXdr, this.passphrase)
      if (parsed instanceof FeeBumpTransaction)
        return { applied: false, transaction: 'tx_not_supported', detail: 'fee-bump transactions are not supported by the dev ledger' }
      tx = parsed
    } catch (err) {
      return { applied: false, transaction: 'tx_malformed', detail: `not a transaction envelope: ${(err as Error).message}` }
    }
    const txHash = tx.hash()
    const hashHex = Buffer.from(txHash).toString('hex')
    if (this.#state.transactions.has(hashHex)) {
      // Horizon answers a resubmission of an applied transaction with its earlier result.
      const record = this.#state.transactions.get(hashHex)!
      if (!record.successful) return { applied: false, transaction: 'tx_failed', operations: record.operationCodes, resultXdr: record.resultXdr }
      return { applied: true, record, operations: record.operationCodes }
    }
    try {
      return this.#apply(tx, txHash, hashHex, envelopeXdr)
    } catch (err) {
      if (err instanceof TxRefusal) {
        const ops = err.operations
        const fee = 0n
        const kinds = tx.operations.map(opKind)
        const xdrText =
          err.code === 'tx_failed' && ops
            ? resultXdr(
                'tx_failed',
                fee,
                ops.map((code, i) => ({ kind: kinds[i] ?? 'other', outcome: { code } })),
              )
            : safeResult(err.code, fee)
        return { applied: false, transaction: err.code, operations: ops, detail: err.detail, ...(xdrText ? { resultXdr: xdrText } : {}) }
      }
      throw err
    }
  }

  #apply(tx: Transaction, txHash: Uint8Array, hashHex: string, envelopeXdr: string): SubmitOutcome {
    const s = this.#state
    const closeTime = this.now()
    const ledger = s.ledgerSeq + 1
    const ops = tx.operations
    // --- validation: nothing is charged when any of this fails ---
    if (ops.length === 0) throw new TxRefusal('tx_missing_operation')
    if (ops.length > MAX_OPS_PER_TX) throw new TxRefusal('tx_malformed', undefined, `at most ${MAX_OPS_PER_TX} operations`)
    if (tx.signatures.length > MAX_SIGNATURES) throw new TxRefusal('tx_malformed', undefined, `at most ${MAX_SIGNATURES} signatures`)
    if (tx.source.startsWith('M') || ops.some((op) => op.source?.startsWith('M')))
      throw new TxRefusal('tx_not_supported', undefined, 'muxed accounts are not supported')
    const minFee = BASE_FEE * BigInt(ops.length)
    const maxFee = BigInt(tx.fee)
    if (maxFee < minFee) throw new TxRefusal('tx_insufficient_fee')
    const tb = tx.timeBounds
    if (tb) {
      if (closeTime < Number(tb.minTime)) throw new TxRefusal('tx_too_early')
      if (Number(tb.maxTime) !== 0 && closeTime > Number(tb.maxTime)) throw new TxRefusal('tx_too_late')
    }
    const lb = tx.ledgerBounds
    if (lb) {
      if (ledger < lb.minLedger) throw new TxRefusal('tx_too_early')
      if (lb.maxLedger !== 0 && ledger >= lb.maxLedger) throw new TxRefusal('tx_too_late')
    }
    const source = s.accounts.get(tx.source)
    if (!source) throw new TxRefusal('tx_no_source_account')
    const seq = BigInt(tx.sequence)
    if (seq === BigInt(ledger) << 32n) throw new TxRefusal('tx_bad_seq', undefined, 'a sequence number cannot be the starting one of the ledger being closed')
    if (tx.minAccountSequence !== undefined) {
      const minSeq = BigInt(tx.minAccountSequence)
      if (source.seq < minSeq || source.seq >= seq) throw new TxRefusal('tx_bad_seq')
    } else if (seq !== source.seq + 1n) {
      throw new TxRefusal('tx_bad_seq')
    }
    const minAge = tx.minAccountSequenceAge
    if (minAge !== undefined && minAge > 0n && BigInt(closeTime - source.seqTime) < minAge) throw new TxRefusal('tx_bad_minseq_age_or_gap')
    const minGap = tx.minAccountSequenceLedgerGap
    if (minGap !== undefined && minGap > 0 && ledger - source.seqLedger < minGap) throw new TxRefusal('tx_bad_minseq_age_or_gap')

    const checker = new SignatureChecker(tx, txHash)
    if (!checker.check(source, source.thresholds.low)) throw new TxRefusal('tx_bad_auth')
    const extra = tx.extraSigners ?? []
    if (extra.length > MAX_EXTRA_SIGNERS) throw new TxRefusal('tx_malformed', undefined, `at most ${MAX_EXTRA_SIGNERS} extra signers`)
    for (const key of extra) {
      const strkey = SignerKey.encodeSignerKey(key)
      if (strkey.startsWith('P')) throw new TxRefusal('tx_not_supported', undefined, 'signed-payload signers are not supported')
      if (!checker.checkOne(strkey)) throw new TxRefusal('tx_bad_auth', undefined, `extra signer ${strkey} is not satisfied`)
    }
    if (available(source) < minFee) throw new TxRefusal('tx_insufficient_balance')
    // Each operation's signatures, against the accounts as they are before the transaction.
    const opCodes = ops.map((op) => {
      if (opKind(op) === 'other') return 'op_not_supported'
      const id = op.source ?? tx.source
      const acc = s.accounts.get(id)
      if (!acc) return checker.checkOne(id) ? 'op_success' : 'op_bad_auth'
      return checker.check(acc, threshold(acc.thresholds, op)) ? 'op_success' : 'op_bad_auth'
    })
    if (opCodes.some((c) => c !== 'op_success')) throw new TxRefusal('tx_failed', opCodes)
    if (!checker.allUsed()) throw new TxRefusal('tx_bad_auth_extra')
    if (s.accounts.size >= this.#limits.maxAccounts && ops.some((op) => op.type === 'createAccount')) {
      throw new TxRefusal('tx_internal_error', undefined, `the dev ledger holds at most ${this.#limits.maxAccounts} accounts`)
    }

    // --- apply: the fee is charged and the sequence number used, whatever the operations do ---
    s.ledgerSeq = ledger
    s.lastCloseTime = closeTime
    source.balance -= minFee
    source.seq = seq
    source.seqLedger = ledger
    source.seqTime = closeTime
    touch(source, ledger, closeTime)
    // Pre-authorized signers for this transaction are one-time: gone from every source account.
    const preAuth = StrKey.encodePreAuthTx(txHash)
    for (const id of new Set([tx.source, ...ops.map((op) => op.source ?? tx.source)])) {
      const acc = s.accounts.get(id)
      if (acc && acc.signers.some((sg) => sg.key === preAuth)) {
        acc.signers = acc.signers.filter((sg) => sg.key !== preAuth)
        touch(acc, ledger, closeTime)
      }
    }
    const working = new Map([...s.accounts].map(([id, a]) => [id, cloneAccount(a)]))
    const outcomes: OpOutcome[] = []
    const details: OpDetails[] = []
    for (const op of ops) {
      try {
        const r = applyOp(working, op, op.source ?? tx.source, ledger, closeTime)
        outcomes.push(r.outcome)
        details.push(r.details)
      } catch (err) {
        if (!(err instanceof OpFailure)) throw err
        outcomes.push({ code: err.code })
        details.push(fallbackDetails(op, op.source ?? tx.source))
      }
    }
    const successful = outcomes.every((o) => o.code === 'op_success')
    if (successful) {
      s.accounts.clear()
      for (const [id, a] of working) s.accounts.set(id, a)
    }
    const kinds = ops.map(opKind)
    const record: TxRecord = {
      hash: hashHex,
      ledger,
      closeTime,
      source: tx.source,
      sequence: seq,
      feeCharged: minFee,
      maxFee,
      successful,
      operationCount: ops.length,
      operationCodes: outcomes.map((o) => o.code),
      envelopeXdr,
      resultXdr: resultXdr(
        successful ? 'tx_success' : 'tx_failed',
        minFee,
        outcomes.map((outcome, i) => ({ kind: kinds[i]!, outcome })),
      ),
    }
    s.transactions.set(hashHex, record)
    ops.forEach((op, i) => {
      s.operations.push({ id: s.nextOpId++, txHash: hashHex, ledger, closeTime, source: op.source ?? tx.source, successful, details: details[i]! })
    })
    this.#trimHistory()
    this.#changed()
    if (!successful) return { applied: false, transaction: 'tx_failed', operations: record.operationCodes, resultXdr: record.resultXdr }
    return { applied: true, record, operations: record.operationCodes }
  }

  #trimHistory(): void {
    const s = this.#state
    while (s.transactions.size > this.#limits.maxHistory) {
      const oldest = s.transactions.keys().next().value as string
      s.transactions.delete(oldest)
      s.operations = s.operations.filter((op) => op.txHash !== oldest)
    }
  }

  #changed(): void {
    for (const l of this.#listeners) l()
  }
}

function safeResult(code: string, fee: bigint): string | undefined {
  try {
    return resultXdr(code, fee)
  } catch {
    return undefined
  }
}

function newAccount(id: string, balance: bigint, ledger: number, closeTime: number): AccountState {
  return {
    id,
    balance,
    // New accounts start at the ledger's starting sequence number, ledger << 32, as on Stellar.
    seq: BigInt(ledger) << 32n,
    seqLedger: ledger,
    seqTime: closeTime,
    masterWeight: 1,
    thresholds: { low: 0, med: 0, high: 0 },
    signers: [],
    lastModifiedLedger: ledger,
    lastModifiedTime: closeTime,
  }
}

function touch(a: AccountState, ledger: number, closeTime: number): void {
  a.lastModifiedLedger = ledger
  a.lastModifiedTime = closeTime
}

export function minBalance(a: AccountState): bigint {
  return (2n + BigInt(a.signers.length)) * BASE_RESERVE
}

function available(a: AccountState): bigint {
  return a.balance - minBalance(a)
}

function opKind(op: Op): OpKind {
  switch (op.type) {
    case 'createAccount':
    case 'payment':
    case 'setOptions':
    case 'accountMerge':
    case 'bumpSequence':
      return op.type
    default:
      return 'other'
  }
}

/** The threshold an operation needs from its source account (stellar-core's getThresholdLevel). */
function threshold(t: Thresholds, op: Op): number {
  switch (op.type) {
    case 'bumpSequence':
      return t.low
    case 'accountMerge':
      return t.high
    case 'setOptions': {
      const changesAuth =
        op.masterWeight !== undefined ||
        op.lowThreshold !== undefined ||
        op.medThreshold !== undefined ||
        op.highThreshold !== undefined ||
        op.signer !== undefined
      return changesAuth ? t.high : t.med
    }
    default:
      return t.med
  }
}

function touches(op: OpRecord, id: string): boolean {
  if (op.source === id) return true
  const d = op.details
  switch (d.type) {
    case 'create_account':
      return d.account === id || d.funder === id
    case 'payment':
      return d.to === id || d.from === id
    case 'account_merge':
      return d.into === id || d.account === id
    default:
      return false
  }
}

function fallbackDetails(op: Op, source: string): OpDetails {
  switch (op.type) {
    case 'createAccount':
      return { type: 'create_account', funder: source, account: op.destination, startingBalance: safeStroops(op.startingBalance) }
    case 'payment':
      return { type: 'payment', from: source, to: op.destination, amount: safeStroops(op.amount) }
    case 'accountMerge':
      return { type: 'account_merge', account: source, into: op.destination }
    case 'bumpSequence':
      return { type: 'bump_sequence', bumpTo: BigInt(op.bumpTo) }
    default:
      return { type: 'set_options' }
  }
}

function safeStroops(amount: string): bigint {
  try {
    return toStroops(amount)
  } catch {
    return 0n
  }
}

/**
 * stellar-core's SignatureChecker: each signer of an account counts once; a signature counts for the
 * signers it satisfies and is marked used; pre-authorized transaction signers need no signature.
 */
class SignatureChecker {
  readonly #hash: Uint8Array
  readonly #preAuth: string
  readonly #sigs: { hint: Uint8Array; signature: Uint8Array }[]
  readonly #used: boolean[]

  constructor(tx: Transaction, txHash: Uint8Array) {
    this.#hash = txHash
    this.#preAuth = StrKey.encodePreAuthTx(txHash)
    this.#sigs = tx.signatures.map((s) => ({ hint: s.hint.toBytes(), signature: s.signature.toBytes() }))
    this.#used = this.#sigs.map(() => false)
  }

  /** Whether the account's signers present here weigh at least `needed` (and at least one is present). */
  check(account: AccountState, needed: number): boolean {
    const signers = [...account.signers]
    if (account.masterWeight > 0) signers.push({ key: account.id, weight: account.masterWeight })
    let total = 0
    let any = false
    for (const signer of signers) {
      if (this.checkOne(signer.key)) {
        any = true
        total += Math.min(255, signer.weight)
        if (total >= needed) return true
      }
    }
    return any && total >= needed
  }

  /** Whether one signer key is satisfied by this transaction (marking the signature it takes as used). */
  checkOne(key: string): boolean {
    if (key.startsWith('T')) return key === this.#preAuth
    if (key.startsWith('X')) {
      const x = StrKey.decodeSha256Hash(key)
      return this.#find(x.subarray(28), (sig) => sig.length <= 64 && equal(sha256(sig), x))
    }
    if (key.startsWith('G')) {
      const pub = StrKey.decodeEd25519PublicKey(key)
      const kp = Keypair.fromPublicKey(key)
      return this.#find(pub.subarray(28), (sig) => sig.length === 64 && safeVerify(kp, this.#hash, sig))
    }
    return false
  }

  #find(hint: Uint8Array, ok: (signature: Uint8Array) => boolean): boolean {
    for (let i = 0; i < this.#sigs.length; i++) {
      const s = this.#sigs[i]!
      if (equal(s.hint, hint) && ok(s.signature)) {
        this.#used[i] = true
        return true
      }
    }
    return false
  }

  allUsed(): boolean {
    return this.#used.every(Boolean)
  }
}

function safeVerify(kp: Keypair, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    return kp.verify(data, sig)
  } catch {
    return false
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

interface Applied {
  readonly outcome: OpOutcome
  readonly details: OpDetails
}

/** Applies one operation to the working copy of the accounts, or throws OpFailure with Horizon's code. */
function applyOp(accounts: Map<string, AccountState>, op: Op, sourceId: string, ledger: number, closeTime: number): Applied {
  const source = accounts.get(sourceId)
  if (!source) throw new OpFailure('op_no_source_account')
  const ok = (details: OpDetails, mergedBalance?: bigint): Applied => ({
    outcome: { code: 'op_success', ...(mergedBalance !== undefined ? { mergedBalance } : {}) },
    details,
  })
  switch (op.type) {
    case 'createAccount': {
      const amount = toStroopsOr(op.startingBalance, 'op_malformed')
      if (amount < 0n || op.destination === sourceId) throw new OpFailure('op_malformed')
      if (accounts.has(op.destination)) throw new OpFailure('op_already_exists')
      if (amount < 2n * BASE_RESERVE) throw new OpFailure('op_low_reserve')
      if (available(source) < amount) throw new OpFailure('op_underfunded')
      source.balance -= amount
      touch(source, ledger, closeTime)
      accounts.set(op.destination, newAccount(op.destination, amount, ledger, closeTime))
      return ok({ type: 'create_account', funder: sourceId, account: op.destination, startingBalance: amount })
    }
    case 'payment': {
      if (!Asset.native().equals(op.asset)) throw new OpFailure('op_not_supported')
      const amount = toStroopsOr(op.amount, 'op_malformed')
      if (amount <= 0n) throw new OpFailure('op_malformed')
      const dest = accounts.get(op.destination)
      if (!dest) throw new OpFailure('op_no_destination')
      if (available(source) < amount) throw new OpFailure('op_underfunded')
      if (dest !== source) {
        if (dest.balance + amount > MAX_STROOPS) throw new OpFailure('op_line_full')
        source.balance -= amount
        dest.balance += amount
        touch(dest, ledger, closeTime)
      }
      touch(source, ledger, closeTime)
      return ok({ type: 'payment', from: sourceId, to: op.destination, amount })
    }
    case 'setOptions': {
      if (op.setFlags !== undefined || op.clearFlags !== undefined || op.inflationDest !== undefined || op.homeDomain !== undefined) {
        throw new OpFailure('op_not_supported')
      }
      const weights = [op.masterWeight, op.lowThreshold, op.medThreshold, op.highThreshold]
      if (weights.some((w) => w !== undefined && (w < 0 || w > 255))) throw new OpFailure('op_threshold_out_of_range')
      if (op.signer) {
        const key = signerKey(op.signer)
        if (key === undefined) throw new OpFailure('op_not_supported')
        const weight = Number(op.signer.weight ?? 0)
        if (key === sourceId || weight > 255 || weight < 0) throw new OpFailure('op_bad_signer')
        const existing = source.signers.find((sg) => sg.key === key)
        if (weight === 0) {
          source.signers = source.signers.filter((sg) => sg.key !== key)
        } else if (existing) {
          existing.weight = weight
        } else {
          if (source.signers.length >= MAX_SIGNERS) throw new OpFailure('op_too_many_signers')
          if (available(source) < BASE_RESERVE) throw new OpFailure('op_low_reserve')
          source.signers.push({ key, weight })
          source.signers.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        }
      }
      if (op.masterWeight !== undefined) source.masterWeight = op.masterWeight
      if (op.lowThreshold !== undefined) source.thresholds.low = op.lowThreshold
      if (op.medThreshold !== undefined) source.thresholds.med = op.medThreshold
      if (op.highThreshold !== undefined) source.thresholds.high = op.highThreshold
      touch(source, ledger, closeTime)
      return ok({ type: 'set_options' })
    }
    case 'accountMerge': {
      if (op.destination === sourceId) throw new OpFailure('op_malformed')
      const dest = accounts.get(op.destination)
      if (!dest) throw new OpFailure('op_no_account')
      // Signers are the only subentries here, and they do not block a merge.
      if (source.seq >= BigInt(ledger) << 32n) throw new OpFailure('op_seq_num_too_far')
      if (dest.balance + source.balance > MAX_STROOPS) throw new OpFailure('op_dest_full')
      const moved = source.balance
      dest.balance += moved
      touch(dest, ledger, closeTime)
      accounts.delete(sourceId)
      return ok({ type: 'account_merge', account: sourceId, into: op.destination }, moved)
    }
    case 'bumpSequence': {
      const to = BigInt(op.bumpTo)
      if (to < 0n) throw new OpFailure('op_bad_seq')
      if (to > source.seq) {
        source.seq = to
        source.seqLedger = ledger
        source.seqTime = closeTime
      }
      touch(source, ledger, closeTime)
      return ok({ type: 'bump_sequence', bumpTo: to })
    }
    default:
      throw new OpFailure('op_not_supported')
  }
}

function toStroopsOr(amount: string, code: string): bigint {
  try {
    return toStroops(amount)
  } catch {
    throw new OpFailure(code)
  }
}

type SetOptionsSigner = NonNullable<Extract<Op, { type: 'setOptions' }>['signer']>

function signerKey(signer: SetOptionsSigner): string | undefined {
  const s = signer as { ed25519PublicKey?: string; preAuthTx?: Uint8Array; sha256Hash?: Uint8Array }
  if (s.ed25519PublicKey !== undefined) return s.ed25519PublicKey
  if (s.preAuthTx !== undefined) return StrKey.encodePreAuthTx(s.preAuthTx)
  if (s.sha256Hash !== undefined) return StrKey.encodeSha256Hash(s.sha256Hash)
  return undefined
}
