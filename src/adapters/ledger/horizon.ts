/**
 * The Ledger port over Horizon, through stellar-sdk's Horizon.Server. The same adapter serves the
 * relay's development ledger (plain HTTP on the relay's own origin, so `allowHttp` is on for
 * http: URLs), testnet and any Horizon URL. stellar-sdk's errors (NotFoundError, NetworkError,
 * TransactionFailedError) and fetch failures are turned into the port's errors here, and only here.
 */
import { FeeBumpTransaction, Horizon, NetworkError, NotFoundError, TransactionBuilder, TransactionFailedError } from '@stellar/stellar-sdk'
import { toStroops } from '../../pay/amounts.ts'
import {
  FundingUnavailableError,
  LedgerUnreachableError,
  TransactionRejectedError,
  type Ledger,
  type LedgerAccount,
  type LedgerNetwork,
  type LedgerPayment,
  type LedgerSigner,
  type LedgerTransaction,
  type PaymentQuery,
  type SignerType,
  type SubmitResult,
} from '../../ports/ledger.ts'

export interface HorizonLedgerOptions {
  /** fetch for the friendbot (tests may pass their own); default globalThis.fetch. */
  readonly fetch?: typeof fetch
}

export function createHorizonLedger(network: LedgerNetwork, options: HorizonLedgerOptions = {}): Ledger {
  const server = new Horizon.Server(network.horizonUrl, { allowHttp: network.horizonUrl.startsWith('http:') })
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args))

  return {
    network,
    canFund: network.friendbotUrl !== undefined,

    async loadAccount(id) {
      try {
        return toAccount(await server.loadAccount(id))
      } catch (err) {
        if (err instanceof NotFoundError) return undefined
        throw unreachable(err, network)
      }
    },

    async submit(envelopeXdr) {
      let tx
      try {
        tx = TransactionBuilder.fromXDR(envelopeXdr, network.passphrase)
      } catch (err) {
        throw new TransactionRejectedError('tx_malformed', [], undefined, `Not a transaction envelope: ${(err as Error).message}`)
      }
      if (tx instanceof FeeBumpTransaction) throw new TransactionRejectedError('tx_not_supported', [], undefined, 'Fee-bump transactions are not used by Layr.')
      try {
        // SEP-29's memo check reads every destination account first; escrows pay hosts and owners, never exchanges.
        const r = await server.submitTransaction(tx, { skipMemoRequiredCheck: true })
        return { hash: r.hash, ledger: r.ledger, feeCharged: BigInt((r as { fee_charged?: string | number }).fee_charged ?? 0) } satisfies SubmitResult
      } catch (err) {
        if (err instanceof TransactionFailedError) {
          const codes = err.getResultCodes()
          const data = err.getResponse().data as { extras?: { result_xdr?: string } } | undefined
          throw new TransactionRejectedError(String(codes.transaction), codes.operations ?? [], data?.extras?.result_xdr)
        }
        const data = err instanceof NetworkError ? (err.getResponse().data as { type?: string; detail?: string } | undefined) : undefined
        if (data?.type?.endsWith('/transaction_malformed'))
          throw new TransactionRejectedError('tx_malformed', [], undefined, `The ledger could not decode the transaction: ${data.detail ?? ''}`)
        throw unreachable(err, network)
      }
    },

    async transaction(hash) {
      try {
        const t = await server.transactions().transaction(hash).call()
        return {
          hash: t.hash,
          successful: t.successful,
          ledger: Number(t.ledger_attr ?? t.ledger),
          closeTime: Math.floor(Date.parse(t.created_at) / 1000),
          source: t.source_account,
          feeCharged: BigInt(t.fee_charged ?? 0),
        } satisfies LedgerTransaction
      } catch (err) {
        if (err instanceof NotFoundError) return undefined
        throw unreachable(err, network)
      }
    },

    async payments(accountId, query: PaymentQuery = {}) {
      try {
        let b = server
          .payments()
          .forAccount(accountId)
          .order(query.order ?? 'asc')
        if (query.limit !== undefined) b = b.limit(query.limit)
        if (query.cursor !== undefined) b = b.cursor(query.cursor)
        const page = await b.call()
        return page.records.flatMap((r): LedgerPayment[] => toPayment(r as unknown as RawPayment))
      } catch (err) {
        if (err instanceof NotFoundError) return []
        throw unreachable(err, network)
      }
    },

    async closeTime() {
      try {
        const root = await server.root()
        const t = Date.parse(root.history_latest_ledger_closed_at)
        if (!Number.isFinite(t)) throw new LedgerUnreachableError(`${network.horizonUrl} did not say when its latest ledger closed.`)
        return Math.floor(t / 1000)
      } catch (err) {
        throw unreachable(err, network)
      }
    },

    async baseFee() {
      try {
        return BigInt(await server.fetchBaseFee())
      } catch (err) {
        throw unreachable(err, network)
      }
    },

    async fund(id) {
      if (!network.friendbotUrl) throw new FundingUnavailableError(`The ${network.kind} network has no friendbot: fund ${id} from a wallet instead.`)
      const url = `${network.friendbotUrl}?addr=${encodeURIComponent(id)}`
      let res: Response
      try {
        res = await doFetch(url, { method: 'GET' })
      } catch (err) {
        throw unreachable(err, network)
      }
      if (res.ok) return
      const body = (await res.json().catch(() => undefined)) as
        { extras?: { result_codes?: { transaction?: string; operations?: string[] } }; detail?: string } | undefined
      const codes = body?.extras?.result_codes
      if (codes?.transaction) throw new TransactionRejectedError(codes.transaction, codes.operations ?? [])
      throw new LedgerUnreachableError(`The friendbot at ${network.friendbotUrl} answered ${res.status}${body?.detail ? `: ${body.detail}` : ''}.`)
    },
  }
}

function unreachable(err: unknown, network: LedgerNetwork): Error {
  if (err instanceof TransactionRejectedError || err instanceof LedgerUnreachableError) return err
  const status = err instanceof NetworkError ? err.getResponse().status : undefined
  const what = status ? `answered ${status}` : `cannot be reached (${(err as Error).message ?? String(err)})`
  return new LedgerUnreachableError(`The ledger at ${network.horizonUrl} ${what}.`)
}

const SIGNER_TYPES: Readonly<Record<string, SignerType>> = { ed25519_public_key: 'ed25519', preauth_tx: 'preAuthTx', sha256_hash: 'sha256Hash' }

function toAccount(a: Horizon.AccountResponse): LedgerAccount {
  const native = a.balances.find((b) => b.asset_type === 'native')
  const signers: LedgerSigner[] = a.signers.flatMap((s) => {
    const type = SIGNER_TYPES[s.type]
    return type ? [{ key: s.key, type, weight: s.weight }] : []
  })
  return {
    id: a.account_id,
    sequence: BigInt(a.sequence),
    balance: native ? toStroops(native.balance) : 0n,
    subentries: a.subentry_count,
    signers,
    masterWeight: signers.find((s) => s.key === a.account_id)?.weight ?? 0,
    thresholds: { low: a.thresholds.low_threshold, med: a.thresholds.med_threshold, high: a.thresholds.high_threshold },
    numSponsoring: a.num_sponsoring ?? 0,
  }
}

interface RawPayment {
  id: string
  paging_token: string
  type: string
  transaction_hash: string
  transaction_successful: boolean
  created_at: string
  source_account: string
  from?: string
  to?: string
  amount?: string
  asset_type?: string
  funder?: string
  account?: string
  starting_balance?: string
  into?: string
}

function toPayment(r: RawPayment): LedgerPayment[] {
  const base = {
    id: r.paging_token,
    transactionHash: r.transaction_hash,
    successful: r.transaction_successful,
    closeTime: Math.floor(Date.parse(r.created_at) / 1000),
  }
  switch (r.type) {
    case 'create_account':
      return [{ ...base, type: 'create_account', from: r.funder ?? r.source_account, to: r.account ?? '', amount: toStroops(r.starting_balance ?? '0') }]
    case 'payment':
      if (r.asset_type !== 'native') return []
      return [{ ...base, type: 'payment', from: r.from ?? r.source_account, to: r.to ?? '', amount: toStroops(r.amount ?? '0') }]
    case 'account_merge':
      return [{ ...base, type: 'account_merge', from: r.account ?? r.source_account, to: r.into ?? '' }]
    default:
      return []
  }
}
