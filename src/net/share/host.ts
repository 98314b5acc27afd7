/**
 * The host's side of the share protocol, without libp2p: one handler per message type
 * (handlers/), over one accounting service (accounting.ts) that owns the quota, each owner's and
 * peer's part of it, and the bytes in flight. A request that carries a body is admitted on its
 * header first (`admit`), so a refused store costs the sender a header, not a share. Every
 * refusal is a typed status with a message; nothing is half-written.
 */
import { Accounting, type HostLimits } from './accounting.ts'
import type { ShareStore } from '../../ports/share-store.ts'
import type { RecordStore } from '../../ports/record-store.ts'
import type { RequestHead, RequestType, ShareRequest, ShareResponse } from './messages.ts'
import type { Admission, Admitted, Handler, HostCounters, HostDescription, HostParts, RepairService, RequestContext } from './handlers/types.ts'
import { stat } from './handlers/stat.ts'
import { fetch } from './handlers/fetch.ts'
import { audit } from './handlers/audit.ts'
import { store } from './handlers/store.ts'
import { remove } from './handlers/delete.ts'
import { recordGet, recordList, recordPut } from './handlers/records.ts'
import { renew } from './handlers/renew.ts'
import { offer } from './handlers/offer.ts'
import { reveal } from './handlers/reveal.ts'
import { delegate, repairs, undelegate } from './handlers/delegation.ts'
import { HostPayments, type HostPaymentOptions, type HostPricing, type PaymentRefusedError } from './payments.ts'
import { claimEnd } from '../../core/lease/index.ts'

export type { HostCounters, HostDescription, RepairService, RequestContext } from './handlers/types.ts'
export {
  AUTH_WINDOW_MS,
  deleteMessage,
  offerMessage,
  readRecordsMessage,
  renewMessage,
  signDelete,
  signOffer,
  signReadRecords,
  signRenew,
  signStore,
  storeMessage,
} from './auth.ts'
export { HostPayments, PaymentRefusedError, type HostPaymentOptions, type HostPricing } from './payments.ts'

const HANDLERS: { readonly [T in RequestType]: Handler<T> } = {
  stat,
  fetch,
  audit,
  store,
  delete: remove,
  renew,
  'record-put': recordPut,
  'record-list': recordList,
  'record-get': recordGet,
  offer,
  reveal,
  delegate,
  undelegate,
  repairs,
}

export interface HostOptions {
  /** Other owners' manifest records; without it the host answers record requests not-found. */
  readonly records?: RecordStore
  /** Parts of the quota per owner and peer, and bytes in flight (accounting.ts has the defaults). */
  readonly limits?: Partial<Omit<HostLimits, 'quota'>>
  /** The host's clock; tests move it. */
  readonly now?: () => number
  /** Being paid: price, payout account, where accepted escrows are kept, the ledger. Without it the host is free. */
  readonly payments?: HostPaymentOptions
  /**
   * What STAT says of how reliable this host is (persistent storage; a tab, an app or a server),
   * asked at each STAT since it can change while the host runs (a tab granted persistence, a
   * tab installed as an app). Without it STAT says neither.
   */
  readonly describe?: () => HostDescription | Promise<HostDescription>
  /** Repair for others under owners' grants (a Node host); without it the host takes no grants. */
  readonly repairs?: RepairService
}

function refusal(err: unknown): ShareResponse {
  const name = (err as Error | null)?.name
  if (name === 'StorageFullError') return { status: 'over-quota', message: 'This host’s device is full.' }
  if (name === 'InvalidInputError' || name === 'ProtocolError') return { status: 'bad-request', message: (err as Error).message.slice(0, 500) }
  if (name === 'PaymentRefusedError')
    return { status: 'payment-refused', reason: (err as PaymentRefusedError).reason, message: (err as Error).message.slice(0, 500) }
  if (name === 'TooManyOffersError') return { status: 'over-quota', message: (err as Error).message.slice(0, 500) }
  return { status: 'error', message: 'The host could not complete the request.' }
}

export class ShareHost {
  readonly counters: HostCounters = { stored: 0, served: 0, audited: 0, deleted: 0, refused: 0, renewed: 0, expired: 0 }
  readonly #now: () => number
  readonly accounting: Accounting
  readonly #parts: HostParts
  readonly #locks = new Map<string, Promise<unknown>>()
  /** Undefined for a host made without payment options: it is free and takes no escrow. */
  readonly payments: HostPayments | undefined

  constructor(shares: ShareStore, peerId: string, quota: number, options: HostOptions = {}) {
    this.accounting = new Accounting(shares, options.records, { ...options.limits, quota })
    this.payments = options.payments ? new HostPayments(options.payments) : undefined
    this.#parts = {
      payments: this.payments,
      repairs: options.repairs,
      store: shares,
      records: options.records,
      accounting: this.accounting,
      peerId,
      counters: this.counters,
      now: (this.#now = options.now ?? Date.now),
      exclusive: (key, fn) => this.#exclusive(key, fn),
      describe: options.describe ?? (() => ({})),
    }
  }

  get quota(): number {
    return this.accounting.limits.quota
  }

  setQuota(bytes: number): void {
    this.accounting.setQuota(bytes)
  }

  /** Sets the price and payout account (a host made without payment options stays free). */
  setPricing(pricing: HostPricing): void {
    this.payments?.setPricing(pricing)
  }

  /** Checks a request's header before its body is accepted: `continue`, or the refusal. */
  async admit(head: RequestHead, ctx: RequestContext): Promise<Admission> {
    const handler = HANDLERS[head.type] as Handler<RequestType>
    const res = handler.admit ? await handler.admit(head as never, ctx, this.#parts).catch(refusal) : ({ status: 'continue' } as const)
    if (res.status !== 'continue') this.counters.refused++
    return res as Admission
  }

  /** Answers a whole request; room an admission reserved is released unless the handler kept it. */
  async handle(req: ShareRequest, ctx: RequestContext = { peer: 'local' }, admitted: Admitted = { status: 'continue' }): Promise<ShareResponse> {
    const handler = HANDLERS[req.type] as Handler<RequestType>
    try {
      const res = await handler.handle(req as never, ctx, this.#parts, admitted).catch(refusal)
      if (res.status !== 'ok') this.counters.refused++
      return res
    } finally {
      admitted.room?.release()
    }
  }

  /** Admits and answers in one step: for tests, and peers in one process. */
  async serve(req: ShareRequest, ctx: RequestContext = { peer: 'local' }): Promise<ShareResponse> {
    const head = headOf(req)
    const admission = await this.admit(head, ctx)
    if (admission.status !== 'continue') return admission
    return this.handle(req, ctx, admission)
  }

  /**
   * Drops the claims whose lease has ended, and the shares no claim is left on (their owners have
   * not renewed in a whole term: an abandoned backup, a departed owner). Returns what went.
   */
  async expire(): Promise<{ shares: number; bytes: number }> {
    const now = this.#now()
    let shares = 0
    let bytes = 0
    await this.payments?.prune(now)
    for (const listed of await this.#parts.store.list()) {
      if (listed.owners.every((c) => claimEnd(c) > now)) continue
      await this.#exclusive(listed.key, async () => {
        const record = await this.#parts.store.record(listed.key)
        if (!record) return
        const ended = record.owners.filter((c) => claimEnd(c) <= now)
        if (ended.length === 0) return
        const rest = record.owners.filter((c) => claimEnd(c) > now)
        if (rest.length === 0) await this.#parts.store.delete(record.key)
        else await this.#parts.store.update({ ...record, owners: rest })
        for (const c of ended) this.accounting.released(c, record.size)
        if (rest.length === 0) {
          shares++
          bytes += record.size
          this.counters.expired++
        }
      })
    }
    return { shares, bytes }
  }

  /** Shares whose every lease ends within `within` ms (their owners have not renewed), and when the first ends. */
  async expiring(within: number): Promise<{ shares: number; bytes: number; next: number | undefined }> {
    const now = this.#now()
    let shares = 0
    let bytes = 0
    let next: number | undefined
    for (const r of await this.#parts.store.list()) {
      const end = Math.max(...r.owners.map(claimEnd))
      if (end - now > within) continue
      shares++
      bytes += r.size
      next = next === undefined ? end : Math.min(next, end)
    }
    return { shares, bytes, next }
  }

  async #exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(key) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.catch(() => undefined)
    this.#locks.set(key, tail)
    try {
      return await run
    } finally {
      if (this.#locks.get(key) === tail) this.#locks.delete(key)
    }
  }
}

function headOf(req: ShareRequest): RequestHead {
  if (req.type === 'store') {
    const { bytes, ...rest } = req
    return { ...rest, body: bytes.length }
  }
  if (req.type === 'delegate') {
    const { capability, ...rest } = req
    return { ...rest, body: capability.length }
  }
  if (req.type === 'record-put') {
    const { sealed, ...record } = req.record
    return { type: 'record-put', record, body: sealed.length }
  }
  return req
}
