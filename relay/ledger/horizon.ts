/**
 * The development ledger over HTTP, shaped like Horizon so that stellar-sdk's Horizon.Server (and
 * Freighter pointed at a custom network) can use it: served by the relay under `/ledger`.
 *
 *   GET  /ledger                          root: network passphrase, latest ledger, and a notice that
 *                                         this is a local stand-in, not a blockchain
 *   GET  /ledger/fee_stats                fees (100 stroops, always)
 *   GET  /ledger/friendbot?addr=G…        creates and funds an account (POST works too)
 *   GET  /ledger/accounts/:id             an account, with the `_links` stellar-sdk needs
 *   GET  /ledger/accounts/:id/payments    create_account, payment and account_merge operations
 *   GET  /ledger/accounts/:id/operations  every operation touching the account
 *   GET  /ledger/transactions/:hash       an applied transaction
 *   POST /ledger/transactions             submits `tx` (form field, base64 envelope)
 *   POST /ledger/_clock                   {"advance": s} or {"set": t}: moves the clock; only when
 *                                         the relay runs with LAYR_LEDGER_TEST_CLOCK=1 (e2e builds)
 *
 * Errors are Horizon's problem documents; a refused transaction is
 * `400 {type, title, status, detail, extras: {envelope_xdr, result_xdr, result_codes: {transaction, operations?}}}`.
 * Peers are hostile: bodies are capped (MAX_BODY_BYTES), lists are paged (limit ≤ 200), and the
 * engine caps operations, signatures, accounts and history.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { StrKey } from '@stellar/stellar-sdk'
import { fromStroops } from '../../src/pay/amounts.ts'
import { minBalance, type DevLedger, type SubmitOutcome } from './engine.ts'
import type { AccountState, OpRecord, TxRecord } from './state.ts'

export const LEDGER_PREFIX = '/ledger'
/** A 100-operation transaction with 20 signatures is well under this in base64. */
export const MAX_BODY_BYTES = 64 * 1024
const MAX_PAGE = 200
const DEFAULT_PAGE = 10

export const NOTICE =
  'This is the Layr relay’s local development ledger: a stand-in for the Stellar network for testing, not a blockchain. ' +
  'One process keeps its state in a file; its lumens are worth nothing and exist nowhere else.'

export interface LedgerHttpOptions {
  readonly ledger: DevLedger
  /** Resolves when the state is on disk; awaited before a submission is acknowledged. */
  readonly flush: () => Promise<void>
  /** Serve POST /ledger/_clock. Off unless the relay is configured for tests. */
  readonly testClock: boolean
  readonly prefix?: string
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    detail: string,
  ) {
    super(detail)
  }
}

/** A handler for every path under the prefix (the relay routes `/ledger` and `/ledger/…` to it). */
export function ledgerHandler(options: LedgerHttpOptions): Handler {
  const prefix = options.prefix ?? LEDGER_PREFIX
  const { ledger } = options
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid')
    const path = url.pathname.slice(prefix.length).replace(/\/+$/, '')
    const method = req.method ?? 'GET'
    // The clock is for tests; it is no public API and gets no CORS.
    if (path === '/_clock') {
      if (!options.testClock) return problem(res, new HttpProblem(404, 'not_found', 'Resource Missing', 'The resource at the url requested was not found.'))
      if (method !== 'POST') return methodNotAllowed(res, 'POST')
      return moveClock(req, res, ledger)
    }
    // Public, like Horizon: wallets (Freighter's background page) and other origins may read it.
    res.setHeader('access-control-allow-origin', '*')
    // The ledger's clock, which tests move; stellar-sdk's fetchTimebounds reads this header.
    res.setHeader('date', new Date(ledger.now() * 1000).toUTCString())
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type, x-client-name, x-client-version, x-app-name, x-app-version',
        'access-control-max-age': '600',
      })
      res.end()
      return
    }
    try {
      const base = `${prefix}`
      if (path === '') return expectGet(method) ?? json(res, 200, root(ledger, base))
      if (path === '/fee_stats') return expectGet(method) ?? json(res, 200, feeStats(ledger))
      if (path === '/friendbot') {
        if (method !== 'GET' && method !== 'POST') return methodNotAllowed(res, 'GET, POST')
        return await friendbot(res, options, url.searchParams.get('addr') ?? '')
      }
      if (path === '/transactions') {
        if (method !== 'POST') return methodNotAllowed(res, 'POST')
        return await submit(req, res, options)
      }
      const tx = /^\/transactions\/([0-9a-f]{64})$/.exec(path)
      if (tx) {
        expectGetOrThrow(method)
        const record = ledger.transaction(tx[1]!)
        if (!record) throw notFound()
        return json(res, 200, transactionJson(record, base))
      }
      const acc = /^\/accounts\/([A-Z0-9]{56})(\/payments|\/operations)?$/.exec(path)
      if (acc) {
        expectGetOrThrow(method)
        const id = acc[1]!
        if (!StrKey.isValidEd25519PublicKey(id)) throw new HttpProblem(400, 'bad_request', 'Bad Request', 'The account id is not a valid G… address.')
        if (!acc[2]) {
          const a = ledger.account(id)
          if (!a) throw notFound()
          return json(res, 200, accountJson(a, base))
        }
        return json(res, 200, operationsPage(ledger, id, acc[2] === '/payments', url, base))
      }
      throw notFound()
    } catch (err) {
      if (err instanceof HttpProblem) return problem(res, err)
      throw err
    }
  }
}

function expectGet(method: string): undefined {
  expectGetOrThrow(method)
  return undefined
}

function expectGetOrThrow(method: string): void {
  if (method !== 'GET' && method !== 'HEAD') throw new HttpProblem(405, 'method_not_allowed', 'Method Not Allowed', 'This resource only answers GET.')
}

function notFound(): HttpProblem {
  return new HttpProblem(
    404,
    'not_found',
    'Resource Missing',
    'The resource at the url requested was not found. This usually occurs for one of two reasons: the url requested is not valid, or no data in our database could be found with the parameters provided.',
  )
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/hal+json; charset=utf-8',
    'cache-control': 'no-store',
  })
  res.end(text)
}

function problem(res: ServerResponse, p: HttpProblem, extras?: unknown): void {
  json(res, p.status, {
    type: `https://stellar.org/horizon-errors/${p.type}`,
    title: p.title,
    status: p.status,
    detail: p.message,
    ...(extras ? { extras } : {}),
  })
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow)
  problem(res, new HttpProblem(405, 'method_not_allowed', 'Method Not Allowed', `This resource answers ${allow}.`))
}

async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) throw new HttpProblem(413, 'payload_too_large', 'Payload Too Large', `The request body is limited to ${limit} bytes.`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) {
      req.destroy()
      throw new HttpProblem(413, 'payload_too_large', 'Payload Too Large', `The request body is limited to ${limit} bytes.`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function submit(req: IncomingMessage, res: ServerResponse, options: LedgerHttpOptions): Promise<void> {
  const body = await readBody(req)
  const type = String(req.headers['content-type'] ?? '')
  let envelope: string | null
  if (type.startsWith('application/json')) {
    try {
      envelope = (JSON.parse(body) as { tx?: unknown }).tx as string | null
    } catch {
      envelope = null
    }
  } else {
    envelope = new URLSearchParams(body).get('tx')
  }
  if (typeof envelope !== 'string' || envelope === '') {
    throw new HttpProblem(
      400,
      'transaction_malformed',
      'Transaction Malformed',
      'Horizon could not decode the transaction envelope in this request: the form field `tx` is missing.',
    )
  }
  const outcome = options.ledger.submit(envelope)
  await options.flush()
  return answerSubmission(res, outcome, envelope, options.prefix ?? LEDGER_PREFIX)
}

function answerSubmission(res: ServerResponse, outcome: SubmitOutcome, envelope: string, base: string): void {
  if (outcome.applied) return json(res, 200, transactionJson(outcome.record, base))
  if (outcome.transaction === 'tx_malformed' && !outcome.resultXdr) {
    return problem(
      res,
      new HttpProblem(
        400,
        'transaction_malformed',
        'Transaction Malformed',
        `Horizon could not decode the transaction envelope in this request. ${outcome.detail ?? ''}`.trim(),
      ),
      {
        envelope_xdr: envelope,
      },
    )
  }
  const resultCodes = { transaction: outcome.transaction, ...(outcome.operations ? { operations: outcome.operations } : {}) }
  return problem(
    res,
    new HttpProblem(
      400,
      'transaction_failed',
      'Transaction Failed',
      'The transaction failed when submitted to the Layr development ledger (a local stand-in, not a blockchain). The `extras.result_codes` field on this response contains further details.' +
        (outcome.detail ? ` ${outcome.detail}` : ''),
    ),
    { envelope_xdr: envelope, ...(outcome.resultXdr ? { result_xdr: outcome.resultXdr } : {}), result_codes: resultCodes },
  )
}

async function friendbot(res: ServerResponse, options: LedgerHttpOptions, addr: string): Promise<void> {
  if (!StrKey.isValidEd25519PublicKey(addr)) throw new HttpProblem(400, 'bad_request', 'Bad Request', 'The friendbot needs ?addr= a valid G… account id.')
  const outcome = options.ledger.fund(addr)
  await options.flush()
  const base = options.prefix ?? LEDGER_PREFIX
  if (outcome.applied) return json(res, 200, transactionJson(outcome.record, base))
  if (outcome.operations?.includes('op_already_exists')) {
    return problem(res, new HttpProblem(400, 'transaction_failed', 'Transaction Failed', 'createAccountAlreadyExist: the account is already funded.'), {
      result_codes: { transaction: 'tx_failed', operations: outcome.operations },
    })
  }
  return answerSubmission(res, outcome, '', base)
}

async function moveClock(req: IncomingMessage, res: ServerResponse, ledger: DevLedger): Promise<void> {
  let body: { advance?: unknown; set?: unknown }
  try {
    body = JSON.parse((await readBody(req, 1024)) || '{}') as typeof body
  } catch (err) {
    if (err instanceof HttpProblem) return problem(res, err)
    return problem(res, new HttpProblem(400, 'bad_request', 'Bad Request', 'The body must be JSON: {"advance": seconds} or {"set": unixSeconds}.'))
  }
  try {
    if (typeof body.advance === 'number') ledger.advanceClock(body.advance)
    else if (typeof body.set === 'number') ledger.setClock(body.set)
    else throw new RangeError('give {"advance": seconds} or {"set": unixSeconds}')
  } catch (err) {
    return problem(res, new HttpProblem(400, 'bad_request', 'Bad Request', (err as Error).message))
  }
  json(res, 200, { closeTime: ledger.now() })
}

function root(ledger: DevLedger, base: string): unknown {
  const closedAt = new Date(ledger.now() * 1000).toISOString().replace('.000Z', 'Z')
  return {
    _links: {
      account: { href: `${base}/accounts/{account_id}`, templated: true },
      fee_stats: { href: `${base}/fee_stats` },
      friendbot: { href: `${base}/friendbot{?addr}`, templated: true },
      transaction: { href: `${base}/transactions/{hash}`, templated: true },
      transactions: { href: `${base}/transactions{?cursor,limit,order}`, templated: true },
    },
    horizon_version: 'layr-dev-ledger-1 (not Horizon)',
    core_version: 'none: a local stand-in, not stellar-core',
    ingest_latest_ledger: ledger.ledgerSeq,
    history_latest_ledger: ledger.ledgerSeq,
    // No ledgers close when nothing happens; the latest close time is the ledger's clock.
    history_latest_ledger_closed_at: closedAt,
    history_elder_ledger: 1,
    core_latest_ledger: ledger.ledgerSeq,
    network_passphrase: ledger.passphrase,
    current_protocol_version: 22,
    supported_protocol_version: 22,
    core_supported_protocol_version: 22,
    layr_dev_ledger: { notice: NOTICE, blockchain: false, close_time: ledger.now() },
  }
}

function feeStats(ledger: DevLedger): unknown {
  const fee = {
    max: '100',
    min: '100',
    mode: '100',
    p10: '100',
    p20: '100',
    p30: '100',
    p40: '100',
    p50: '100',
    p60: '100',
    p70: '100',
    p80: '100',
    p90: '100',
    p95: '100',
    p99: '100',
  }
  return { last_ledger: String(ledger.ledgerSeq), last_ledger_base_fee: '100', ledger_capacity_usage: '0.00', fee_charged: fee, max_fee: fee }
}

function iso(unix: number): string {
  return new Date(unix * 1000).toISOString().replace('.000Z', 'Z')
}

function accountJson(a: AccountState, base: string): unknown {
  const self = `${base}/accounts/${a.id}`
  const signerType = (key: string): string => (key.startsWith('T') ? 'preauth_tx' : key.startsWith('X') ? 'sha256_hash' : 'ed25519_public_key')
  return {
    _links: {
      self: { href: self },
      transactions: { href: `${self}/transactions{?cursor,limit,order}`, templated: true },
      operations: { href: `${self}/operations{?cursor,limit,order}`, templated: true },
      payments: { href: `${self}/payments{?cursor,limit,order}`, templated: true },
      effects: { href: `${self}/effects{?cursor,limit,order}`, templated: true },
      offers: { href: `${self}/offers{?cursor,limit,order}`, templated: true },
      trades: { href: `${self}/trades{?cursor,limit,order}`, templated: true },
      data: { href: `${self}/data/{key}`, templated: true },
    },
    id: a.id,
    account_id: a.id,
    sequence: a.seq.toString(),
    sequence_ledger: a.seqLedger,
    sequence_time: String(a.seqTime),
    subentry_count: a.signers.length,
    last_modified_ledger: a.lastModifiedLedger,
    last_modified_time: iso(a.lastModifiedTime),
    thresholds: { low_threshold: a.thresholds.low, med_threshold: a.thresholds.med, high_threshold: a.thresholds.high },
    flags: { auth_required: false, auth_revocable: false, auth_immutable: false, auth_clawback_enabled: false },
    balances: [{ balance: fromStroops(a.balance), buying_liabilities: '0.0000000', selling_liabilities: '0.0000000', asset_type: 'native' }],
    signers: [
      ...a.signers.map((s) => ({ weight: s.weight, key: s.key, type: signerType(s.key) })),
      { weight: a.masterWeight, key: a.id, type: 'ed25519_public_key' },
    ],
    data: {},
    num_sponsoring: 0,
    num_sponsored: 0,
    paging_token: a.id,
    layr_dev_ledger: { minimum_balance: fromStroops(minBalance(a)) },
  }
}

function transactionJson(t: TxRecord, base: string): unknown {
  const self = `${base}/transactions/${t.hash}`
  return {
    _links: {
      self: { href: self },
      account: { href: `${base}/accounts/${t.source}` },
      operations: { href: `${self}/operations{?cursor,limit,order}`, templated: true },
    },
    id: t.hash,
    paging_token: t.hash,
    successful: t.successful,
    hash: t.hash,
    ledger: t.ledger,
    created_at: iso(t.closeTime),
    source_account: t.source,
    source_account_sequence: t.sequence.toString(),
    fee_account: t.source,
    fee_charged: t.feeCharged.toString(),
    max_fee: t.maxFee.toString(),
    operation_count: t.operationCount,
    envelope_xdr: t.envelopeXdr,
    result_xdr: t.resultXdr,
    memo_type: 'none',
  }
}

const PAYMENT_TYPES = new Set(['create_account', 'payment', 'account_merge'])
const TYPE_I: Record<string, number> = { create_account: 0, payment: 1, set_options: 5, account_merge: 8, bump_sequence: 11 }

function operationsPage(ledger: DevLedger, id: string, paymentsOnly: boolean, url: URL, base: string): unknown {
  const limitText = url.searchParams.get('limit')
  const limit = limitText === null ? DEFAULT_PAGE : Number(limitText)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new HttpProblem(400, 'bad_request', 'Bad Request', `limit must be an integer from 1 to ${MAX_PAGE}.`)
  const order = url.searchParams.get('order') ?? 'asc'
  if (order !== 'asc' && order !== 'desc') throw new HttpProblem(400, 'bad_request', 'Bad Request', 'order must be asc or desc.')
  const cursorText = url.searchParams.get('cursor')
  let cursor: bigint | undefined
  if (cursorText !== null && cursorText !== '' && cursorText !== 'now') {
    if (!/^\d{1,20}$/.test(cursorText)) throw new HttpProblem(400, 'bad_request', 'Bad Request', 'cursor must be a paging token.')
    cursor = BigInt(cursorText)
  }
  // As Horizon: operations of failed transactions only when asked for.
  const includeFailed = url.searchParams.get('include_failed') === 'true'
  let ops = ledger.operationsOf(id).filter((op) => (includeFailed || op.successful) && (!paymentsOnly || PAYMENT_TYPES.has(op.details.type)))
  if (order === 'desc') ops = ops.reverse()
  if (cursor !== undefined) ops = ops.filter((op) => (order === 'asc' ? op.id > cursor : op.id < cursor))
  const page = ops.slice(0, limit)
  const kind = paymentsOnly ? 'payments' : 'operations'
  const self = `${base}/accounts/${id}/${kind}`
  const link = (c: string | undefined, o: string): { href: string } => ({ href: `${self}?cursor=${c ?? ''}&limit=${limit}&order=${o}` })
  const last = page.at(-1)?.id.toString()
  const first = page[0]?.id.toString()
  return {
    _links: {
      self: link(cursorText ?? undefined, order),
      next: link(last ?? cursorText ?? undefined, order),
      prev: link(first ?? cursorText ?? undefined, order === 'asc' ? 'desc' : 'asc'),
    },
    _embedded: { records: page.map((op) => operationJson(op, base)) },
  }
}

function operationJson(op: OpRecord, base: string): unknown {
  const d = op.details
  const common = {
    _links: { self: { href: `${base}/operations/${op.id}` }, transaction: { href: `${base}/transactions/${op.txHash}` } },
    id: op.id.toString(),
    paging_token: op.id.toString(),
    transaction_successful: op.successful,
    source_account: op.source,
    type: d.type,
    type_i: TYPE_I[d.type] ?? -1,
    created_at: iso(op.closeTime),
    transaction_hash: op.txHash,
  }
  switch (d.type) {
    case 'create_account':
      return { ...common, starting_balance: fromStroops(d.startingBalance), funder: d.funder, account: d.account }
    case 'payment':
      return { ...common, asset_type: 'native', from: d.from, to: d.to, amount: fromStroops(d.amount) }
    case 'account_merge':
      return { ...common, account: d.account, into: d.into }
    case 'bump_sequence':
      return { ...common, bump_to: d.bumpTo.toString() }
    default:
      return common
  }
}
