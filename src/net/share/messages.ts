/**
 * /layr/share/2.0.0 messages. A request and its response share one stream. Each message is a
 * small header frame, a canonical CBOR map; the messages that carry data (a store's share, a
 * record-put's sealed manifest, a fetch's or record-get's answer) announce its length in the
 * header (`body`) and send it raw in a second frame.
 *
 * Peers are hostile, so the work a message can cause is bounded before anything is built:
 * headers have a small frame limit (HEADER_LIMITS) and a bound on CBOR items and depth
 * (checkCborBounds) before they are decoded; every field's type and size is checked before use;
 * and a body is accepted only once its header has been checked and admitted by the host, which
 * answers `continue` first (so a refused store costs a header, not a share).
 */
import { decode, encode } from 'cborg'
import { MAX_SHARE_SIZE } from '../../core/segment/index.ts'
import { MAX_AUDIT_LEAVES, NONCE_SIZE } from '../../core/audit/index.ts'
import { HASH_SIZE, LEAF_SIZE } from '../../core/merkle/index.ts'
import { RECORD_LIMITS, type ManifestRecord } from '../../core/records/index.ts'
import { MAX_RENEW_KEYS } from '../../core/lease/index.ts'
import { checkCborBounds, type CborBounds } from './cbor-bounds.ts'
import { ProtocolError } from './errors.ts'
import type { OwnerAuth, SignedAuth } from './auth.ts'
import { CapabilityError, MAX_CAPABILITY_BYTES, parseDelegation, delegationFields } from '../../core/repair/capability.ts'
import { MAX_UPDATES_BYTES } from '../../core/repair/holders-update.ts'
import { isAccountId } from '../../pay/strkey.ts'
import type { HostKind } from '../../core/placement/index.ts'
import type { RecordEntry } from '../../ports/record-store.ts'

export type { RecordEntry } from '../../ports/record-store.ts'

export { ProtocolError } from './errors.ts'

export const SHARE_PROTOCOL = '/layr/share/2.0.0'

/**
 * The largest header frame accepted: requests are a few fields; a response may list 4,096 records.
 * An `offer` alone may be larger (its escrow's transactions: up to MAX_OFFER_CLAIMS claims and a
 * refund of at most MAX_OFFER_XDR characters each, about 80 KiB at most, a few KiB in practice), so
 * the reader takes frames up to `offer` and every other request is held to `request` once decoded.
 */
export const HEADER_LIMITS = { request: 16 * 1024, offer: 96 * 1024, response: 512 * 1024 } as const
/** An escrow has at most 19 claims (20 signers per account; src/pay/escrow.ts MAX_WINDOWS). */
export const MAX_OFFER_CLAIMS = 19
/** The largest transaction envelope an offer carries, in base64 characters (real ones are a few hundred). */
export const MAX_OFFER_XDR = 4096
/** Refusals about payment carry a short reason token (host.ts EscrowRejection, or a reveal's). */
const REASON = /^[a-z][a-z-]{0,31}$/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const HASH_HEX = /^[0-9a-f]{64}$/
const REQUEST_BOUNDS: CborBounds = { maxItems: MAX_RENEW_KEYS + 64, maxDepth: 3 }
const RESPONSE_BOUNDS: CborBounds = { maxItems: RECORD_LIMITS.perOwner * 8 + 64, maxDepth: 4 }
/** The largest body of any message (a whole share). */
export const MAX_BODY = Math.max(MAX_SHARE_SIZE, RECORD_LIMITS.sealedBytes)

export interface ByteRange {
  readonly offset: number
  readonly length: number
}

export type ShareRequest =
  /** `lease`: the term (ms) the owner asks the host to keep it for (core/lease), signed with the store. */
  | ({ readonly type: 'store'; readonly key: Uint8Array; readonly root: Uint8Array; readonly lease: number; readonly bytes: Uint8Array } & SignedAuth)
  /** Extend the owner's leases on up to MAX_RENEW_KEYS shares to `lease` from now; answered with `leases`. */
  | ({ readonly type: 'renew'; readonly keys: readonly Uint8Array[]; readonly lease: number } & SignedAuth)
  | { readonly type: 'fetch'; readonly key: Uint8Array; readonly range?: ByteRange }
  /** Prove the share is held: the leaves `nonce` draws (core/audit), `leaves` of them, with their Merkle paths. */
  | { readonly type: 'audit'; readonly key: Uint8Array; readonly nonce: Uint8Array; readonly leaves: number }
  /** A delete carrying a repair delegation is decoded, and refused by the host (a delegation cannot delete). */
  | ({ readonly type: 'delete'; readonly key: Uint8Array } & SignedAuth)
  | { readonly type: 'stat' }
  | { readonly type: 'record-put'; readonly record: ManifestRecord }
  | ({ readonly type: 'record-list' } & OwnerAuth)
  | ({ readonly type: 'record-get'; readonly fileId: Uint8Array } & OwnerAuth)
  /**
   * An escrow for this host (src/pay): its account (G…), its unsigned claims (1 … MAX_OFFER_CLAIMS) and
   * refund (base64 XDR), signed by the owner for this host. A host with a price stores only for owners
   * whose offer it accepted.
   */
  | ({ readonly type: 'offer'; readonly account: string; readonly claims: readonly string[]; readonly refund: string } & OwnerAuth)
  /** The nonce of window `window` of escrow `account`, and the share it locks: the host computes r and claims. */
  | { readonly type: 'reveal'; readonly account: string; readonly window: number; readonly nonce: Uint8Array; readonly key: Uint8Array }
  /**
   * The owner grants this host repair of its files (or replaces its grant): `capability` is an
   * encoded repair capability (core/repair/capability.ts), sent as the body; signed by the owner
   * for this host over its SHA-256. Only hosts that repair for others take it.
   */
  | ({ readonly type: 'delegate'; readonly capability: Uint8Array } & OwnerAuth)
  /** The owner withdraws its grant: the host forgets the capability and its updates. */
  | ({ readonly type: 'undelegate' } & OwnerAuth)
  /** The owner asks for the holders updates the host made under its grant; answered with a body (core/repair/holders-update.ts). */
  | ({ readonly type: 'repairs' } & OwnerAuth)

export type RequestType = ShareRequest['type']

/** A request as its header frame carries it: the data it will send is only announced (`body`). */
export type RequestHead =
  | (Omit<Extract<ShareRequest, { type: 'store' }>, 'bytes'> & { readonly body: number })
  | (Omit<Extract<ShareRequest, { type: 'delegate' }>, 'capability'> & { readonly body: number })
  | { readonly type: 'record-put'; readonly record: Omit<ManifestRecord, 'sealed'>; readonly body: number }
  | Exclude<ShareRequest, { type: 'store' } | { type: 'record-put' } | { type: 'delegate' }>

export type ErrorStatus =
  | 'not-found'
  | 'bad-request'
  | 'over-quota'
  | 'root-mismatch'
  | 'unauthorized'
  | 'busy'
  | 'error'
  /** The host has a price and no accepted, funded offer from this owner: send one first, or use free hosts. */
  | 'payment-required'
  /** An offer or a reveal the host could not accept; `reason` says why (a token such as `underfunded`, `preimage`). */
  | 'payment-refused'

/** A refusal: its status, words for a person, and for payment refusals a reason token. */
export interface Refused {
  readonly status: ErrorStatus
  readonly message: string
  readonly reason?: string
}

/** A claim a reveal led to: the transaction's hash (hex), the stroops it paid and the ledger that applied it. */
export interface ClaimResult {
  readonly hash: string
  readonly amount: number
  readonly ledger: number
}

export type ShareResponse =
  | {
      readonly status: 'ok'
      readonly bytes?: Uint8Array
      /** An audit's Merkle paths, one per leaf (the leaves are `bytes`, concatenated). */
      readonly paths?: readonly (readonly Uint8Array[])[]
      readonly stat?: HostStat
      readonly record?: ManifestRecord
      readonly entries?: readonly RecordEntry[]
      /** A renewal's answer, key by key: when the owner's lease now ends (host clock, ms), 0 when the host holds no such share for it. */
      readonly leases?: readonly number[]
      /** A reveal's answer: the claim that paid the host. */
      readonly claim?: ClaimResult
    }
  | Refused

/** What a host answers, before any body, to a request that carries one: send it, or the refusal. */
export type Interim = { readonly status: 'continue' } | Extract<ShareResponse, { message: string }>

/** What STAT's `kind` may say (core/placement's HostKind), in wire order. */
export const HOST_KINDS: readonly HostKind[] = ['tab', 'app', 'server']

export interface HostStat {
  /** Bytes this host is willing to hold. */
  readonly quota: number
  readonly used: number
  readonly shares: number
  /** Bytes the asking peer may still store here (its part of a free host). */
  readonly room?: number
  /** Stroops per GiB-month this host charges; absent (or 0): it stores for free. */
  readonly price?: number
  /** The Stellar account (G…) its escrows must pay, when it has a price. */
  readonly account?: string
  /** Its storage is persistent (navigator.storage.persisted(), or a server's disk). */
  readonly persistent?: boolean
  /** What runs it: a tab, an installed app in its own window, or a server. */
  readonly kind?: HostKind
}

/** Both frames of an encoded message. */
export interface Encoded {
  readonly head: Uint8Array
  readonly body?: Uint8Array
}

export const ERROR_STATUSES: readonly ErrorStatus[] = [
  'not-found',
  'bad-request',
  'over-quota',
  'root-mismatch',
  'unauthorized',
  'busy',
  'error',
  'payment-required',
  'payment-refused',
]
const isErrorStatus = (v: unknown): v is ErrorStatus => typeof v === 'string' && (ERROR_STATUSES as readonly string[]).includes(v)

type Rec = Record<string, unknown>

function fail(what: string): never {
  throw new ProtocolError(`Malformed share-protocol message: ${what}.`)
}

function parse(frame: Uint8Array, limit: number, bounds: CborBounds): Rec {
  if (frame.length > limit) fail(`a ${frame.length}-byte header, over the ${limit}-byte limit`)
  checkCborBounds(frame, bounds)
  let v: unknown
  try {
    v = decode(frame, { strict: true, rejectDuplicateMapKeys: true, useMaps: false })
  } catch (err) {
    fail(`not canonical CBOR (${(err as Error).message})`)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) fail('not a map')
  return v as Rec
}

function only(r: Rec, keys: readonly string[]): void {
  // cborg puts a "__proto__" key on the prototype, where Object.keys does not see it.
  if (Object.getPrototypeOf(r) !== Object.prototype) fail('a map with a "__proto__" key')
  for (const k of Object.keys(r)) if (!keys.includes(k)) fail(`unknown field "${k}"`)
}

function bytes(v: unknown, field: string, min: number, max: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length < min || v.length > max) fail(`${field} must be ${min === max ? min : `${min}–${max}`} bytes`)
  return v
}

function uint(v: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) fail(`${field} must be a whole number up to ${max}`)
  return v
}

function positive(v: unknown, field: string, max: number): number {
  const n = uint(v, field, max)
  if (n < 1) fail(`${field} must be from 1 to ${max}`)
  return n
}

function map(v: unknown, field: string): Rec {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) fail(`${field} must be a map`)
  return v as Rec
}

function text(v: unknown, field: string, max: number, pattern?: RegExp): string {
  if (typeof v !== 'string' || v.length < 1 || v.length > max || (pattern && !pattern.test(v))) fail(`${field} must be a string of 1–${max} characters`)
  return v
}

function account(v: unknown, field: string): string {
  if (!isAccountId(v)) fail(`${field} must be a Stellar account id (G…)`)
  return v
}

function xdr(v: unknown, field: string): string {
  return text(v, field, MAX_OFFER_XDR, BASE64)
}

function claimResult(v: unknown): ClaimResult {
  const c = map(v, 'claim')
  only(c, ['hash', 'amount', 'ledger'])
  return { hash: text(c.hash, 'claim.hash', 64, HASH_HEX), amount: uint(c.amount, 'claim.amount'), ledger: uint(c.ledger, 'claim.ledger', 0xffffffff) }
}

function auth(r: Rec): OwnerAuth {
  return { owner: bytes(r.owner, 'owner', 32, 32), time: uint(r.time, 'time'), signature: bytes(r.signature, 'signature', 64, 64) }
}

/** The owner's signature, or a delegate's with its delegation (store, renew; delete, to refuse it). */
function signedAuth(r: Rec): SignedAuth {
  if (r.delegation === undefined) return auth(r)
  try {
    return { ...auth(r), delegation: parseDelegation(r.delegation) }
  } catch (err) {
    if (err instanceof CapabilityError) fail(err.message.replace(/\.$/, ''))
    throw err
  }
}

function recordHead(v: unknown): Omit<ManifestRecord, 'sealed'> {
  const r = map(v, 'record')
  only(r, ['owner', 'fileId', 'revision', 'signature'])
  return {
    owner: bytes(r.owner, 'record.owner', 32, 32),
    fileId: bytes(r.fileId, 'record.fileId', 16, 16),
    revision: uint(r.revision, 'record.revision'),
    signature: bytes(r.signature, 'record.signature', 64, 64),
  }
}

function entries(v: unknown): RecordEntry[] {
  if (!Array.isArray(v) || v.length > RECORD_LIMITS.perOwner) fail(`entries must be a list of at most ${RECORD_LIMITS.perOwner}`)
  return v.map((e) => {
    const m = map(e, 'entry')
    only(m, ['fileId', 'revision', 'tombstone'])
    const entry = { fileId: bytes(m.fileId, 'entry.fileId', 16, 16), revision: uint(m.revision, 'entry.revision') }
    return m.tombstone === undefined ? entry : { ...entry, tombstone: bytes(m.tombstone, 'entry.tombstone', 64, 64) }
  })
}

/** Audit paths: at most MAX_AUDIT_LEAVES, each at most MAX_PATH hashes (a 16 MiB share has 256 leaves: 8). */
const MAX_PATH = 16

function paths(v: unknown): Uint8Array[][] {
  if (!Array.isArray(v) || v.length > MAX_AUDIT_LEAVES) fail(`paths must be a list of at most ${MAX_AUDIT_LEAVES}`)
  return v.map((p) => {
    if (!Array.isArray(p) || p.length > MAX_PATH) fail(`a path must be a list of at most ${MAX_PATH} hashes`)
    return p.map((h) => bytes(h, 'path hash', HASH_SIZE, HASH_SIZE))
  })
}

function withoutSealed(r: ManifestRecord): Omit<ManifestRecord, 'sealed'> {
  return { owner: r.owner, fileId: r.fileId, revision: r.revision, signature: r.signature }
}

function authFields(a: SignedAuth): SignedAuth {
  const base = { owner: a.owner, time: a.time, signature: a.signature }
  return a.delegation ? { ...base, delegation: delegationFields(a.delegation) } : base
}

export function encodeRequest(req: ShareRequest): Encoded {
  switch (req.type) {
    case 'store': {
      const { bytes: body, key, root, lease } = req
      return { head: encode({ type: 'store', key, root, lease, ...authFields(req), body: body.length }), body }
    }
    case 'renew': {
      return { head: encode({ type: 'renew', keys: [...req.keys], lease: req.lease, ...authFields(req) }) }
    }
    case 'record-put':
      return { head: encode({ type: 'record-put', record: withoutSealed(req.record), body: req.record.sealed.length }), body: req.record.sealed }
    case 'fetch':
      return { head: encode(req.range === undefined ? { type: 'fetch', key: req.key } : { type: 'fetch', key: req.key, range: req.range }) }
    case 'audit':
      return { head: encode({ type: 'audit', key: req.key, nonce: req.nonce, leaves: req.leaves }) }
    case 'delete':
      return { head: encode({ type: 'delete', key: req.key, ...authFields(req) }) }
    case 'stat':
      return { head: encode({ type: 'stat' }) }
    case 'record-list':
      return { head: encode({ type: 'record-list', ...authFields(req) }) }
    case 'record-get':
      return { head: encode({ type: 'record-get', fileId: req.fileId, ...authFields(req) }) }
    case 'offer':
      return { head: encode({ type: 'offer', account: req.account, claims: [...req.claims], refund: req.refund, ...authFields(req) }) }
    case 'reveal':
      return { head: encode({ type: 'reveal', account: req.account, window: req.window, nonce: req.nonce, key: req.key }) }
    case 'delegate':
      return { head: encode({ type: 'delegate', ...authFields(req), body: req.capability.length }), body: req.capability }
    case 'undelegate':
    case 'repairs':
      return { head: encode({ type: req.type, ...authFields(req) }) }
  }
}

export function decodeRequestHead(frame: Uint8Array): RequestHead {
  const r = parse(frame, HEADER_LIMITS.offer, REQUEST_BOUNDS)
  if (r.type !== 'offer' && frame.length > HEADER_LIMITS.request) fail(`a ${frame.length}-byte header, over the ${HEADER_LIMITS.request}-byte limit`)
  switch (r.type) {
    case 'store':
      only(r, ['type', 'key', 'root', 'lease', 'owner', 'time', 'signature', 'delegation', 'body'])
      return {
        type: 'store',
        key: bytes(r.key, 'key', 32, 32),
        root: bytes(r.root, 'root', 32, 32),
        lease: uint(r.lease, 'lease'),
        ...signedAuth(r),
        body: uint(r.body, 'body', MAX_SHARE_SIZE),
      }
    case 'renew': {
      only(r, ['type', 'keys', 'lease', 'owner', 'time', 'signature', 'delegation'])
      if (!Array.isArray(r.keys) || r.keys.length < 1 || r.keys.length > MAX_RENEW_KEYS) fail(`keys must be a list of 1 to ${MAX_RENEW_KEYS}`)
      const keys = r.keys.map((k) => bytes(k, 'key', 32, 32))
      return { type: 'renew', keys, lease: uint(r.lease, 'lease'), ...signedAuth(r) }
    }
    case 'fetch': {
      only(r, ['type', 'key', 'range'])
      const key = bytes(r.key, 'key', 32, 32)
      if (r.range === undefined) return { type: 'fetch', key }
      const range = map(r.range, 'range')
      only(range, ['offset', 'length'])
      return {
        type: 'fetch',
        key,
        range: { offset: uint(range.offset, 'range.offset', MAX_SHARE_SIZE), length: uint(range.length, 'range.length', MAX_SHARE_SIZE) },
      }
    }
    case 'audit':
      only(r, ['type', 'key', 'nonce', 'leaves'])
      return {
        type: 'audit',
        key: bytes(r.key, 'key', 32, 32),
        nonce: bytes(r.nonce, 'nonce', NONCE_SIZE, NONCE_SIZE),
        leaves: positive(r.leaves, 'leaves', MAX_AUDIT_LEAVES),
      }
    case 'delete':
      only(r, ['type', 'key', 'owner', 'time', 'signature', 'delegation'])
      return { type: 'delete', key: bytes(r.key, 'key', 32, 32), ...signedAuth(r) }
    case 'stat':
      only(r, ['type'])
      return { type: 'stat' }
    case 'record-put':
      only(r, ['type', 'record', 'body'])
      return { type: 'record-put', record: recordHead(r.record), body: uint(r.body, 'body', RECORD_LIMITS.sealedBytes) }
    case 'record-list':
      only(r, ['type', 'owner', 'time', 'signature'])
      return { type: 'record-list', ...auth(r) }
    case 'record-get':
      only(r, ['type', 'fileId', 'owner', 'time', 'signature'])
      return { type: 'record-get', fileId: bytes(r.fileId, 'fileId', 16, 16), ...auth(r) }
    case 'offer': {
      only(r, ['type', 'account', 'claims', 'refund', 'owner', 'time', 'signature'])
      if (!Array.isArray(r.claims) || r.claims.length < 1 || r.claims.length > MAX_OFFER_CLAIMS) fail(`claims must be a list of 1 to ${MAX_OFFER_CLAIMS}`)
      const claims = r.claims.map((c) => xdr(c, 'claim'))
      return { type: 'offer', account: account(r.account, 'account'), claims, refund: xdr(r.refund, 'refund'), ...auth(r) }
    }
    case 'reveal':
      only(r, ['type', 'account', 'window', 'nonce', 'key'])
      return {
        type: 'reveal',
        account: account(r.account, 'account'),
        window: uint(r.window, 'window', MAX_OFFER_CLAIMS - 1),
        nonce: bytes(r.nonce, 'nonce', 32, 32),
        key: bytes(r.key, 'key', 32, 32),
      }
    case 'delegate':
      only(r, ['type', 'owner', 'time', 'signature', 'body'])
      return { type: 'delegate', ...auth(r), body: positive(r.body, 'body', MAX_CAPABILITY_BYTES) }
    case 'undelegate':
    case 'repairs':
      only(r, ['type', 'owner', 'time', 'signature'])
      return { type: r.type, ...auth(r) }
    default:
      return fail(`unknown request type "${String(r.type)}"`)
  }
}

/** The length of the body a request announced, or undefined when it carries none. */
export function requestBodyLength(head: RequestHead): number | undefined {
  return head.type === 'store' || head.type === 'record-put' || head.type === 'delegate' ? head.body : undefined
}

/** The whole request, once its announced body has arrived. */
export function withRequestBody(head: RequestHead, body: Uint8Array | undefined): ShareRequest {
  if (head.type === 'delegate') {
    if (!body || body.length !== head.body) fail(`a body of ${body?.length ?? 0} bytes where the header announced ${head.body}`)
    const { body: _, ...rest } = head
    return { ...rest, capability: body }
  }
  if (head.type === 'store' || head.type === 'record-put') {
    if (!body || body.length !== head.body) fail(`a body of ${body?.length ?? 0} bytes where the header announced ${head.body}`)
    if (head.type === 'store') {
      const { body: _, ...rest } = head
      return { ...rest, bytes: body }
    }
    return { type: 'record-put', record: { ...head.record, sealed: body } }
  }
  if (body) fail('a body on a request that carries none')
  return head
}

/** Decodes both frames of a request (tests, and the in-memory network). */
export function decodeRequest(msg: Encoded): ShareRequest {
  return withRequestBody(decodeRequestHead(msg.head), msg.body)
}

export function encodeResponse(res: ShareResponse): Encoded {
  if (res.status !== 'ok') {
    const refusal: Record<string, unknown> = { status: res.status, message: res.message.slice(0, 1024) }
    if (res.reason !== undefined) refusal.reason = res.reason
    return { head: encode(refusal) }
  }
  const head: Record<string, unknown> = { status: 'ok' }
  if (res.stat) {
    const { price, account, persistent, kind, ...rest } = res.stat
    // A price is announced only with the account to pay: a host without one cannot be paid.
    head.stat = {
      ...rest,
      ...(price && account ? { price, account } : {}),
      ...(persistent !== undefined ? { persistent } : {}),
      ...(kind !== undefined ? { kind } : {}),
    }
  }
  if (res.claim) head.claim = { hash: res.claim.hash, amount: res.claim.amount, ledger: res.claim.ledger }
  if (res.paths) head.paths = res.paths.map((p) => [...p])
  if (res.leases) head.leases = [...res.leases]
  if (res.entries)
    head.entries = res.entries.map((e) =>
      e.tombstone ? { fileId: e.fileId, revision: e.revision, tombstone: e.tombstone } : { fileId: e.fileId, revision: e.revision },
    )
  if (res.record && res.bytes) throw new ProtocolError('A response carries either bytes or a record, not both.')
  let body: Uint8Array | undefined
  if (res.record) {
    head.record = withoutSealed(res.record)
    body = res.record.sealed
  } else if (res.bytes) body = res.bytes
  if (body) head.body = body.length
  return body ? { head: encode(head), body } : { head: encode(head) }
}

export function encodeInterim(res: Interim): Uint8Array {
  return res.status === 'continue' ? encode({ status: 'continue' }) : encodeResponse(res).head
}

/** A response as its header frame carries it; `body` is the length of what follows. */
export type ResponseHead =
  | {
      readonly status: 'ok'
      readonly stat?: HostStat
      readonly paths?: readonly (readonly Uint8Array[])[]
      readonly entries?: readonly RecordEntry[]
      readonly leases?: readonly number[]
      readonly record?: Omit<ManifestRecord, 'sealed'>
      readonly claim?: ClaimResult
      readonly body?: number
    }
  | Refused

function errorHead(r: Rec): Refused {
  only(r, ['status', 'message', 'reason'])
  if (!isErrorStatus(r.status)) fail('unknown status')
  if (typeof r.message !== 'string' || r.message.length > 1024) fail('message must be a short string')
  if (r.reason === undefined) return { status: r.status, message: r.message }
  return { status: r.status, message: r.message, reason: text(r.reason, 'reason', 32, REASON) }
}

/** The first answer to a request that carries a body: `continue`, or a refusal. */
export function decodeInterim(frame: Uint8Array): Interim {
  const r = parse(frame, HEADER_LIMITS.request, REQUEST_BOUNDS)
  if (r.status === 'continue') {
    only(r, ['status'])
    return { status: 'continue' }
  }
  if (!isErrorStatus(r.status)) fail('an interim answer must be continue or a refusal')
  return errorHead(r)
}

/** `bodyMax`: the largest body the request can be answered with (0 when it has none). */
export function decodeResponseHead(frame: Uint8Array, bodyMax: number): ResponseHead {
  const r = parse(frame, HEADER_LIMITS.response, RESPONSE_BOUNDS)
  if (r.status !== 'ok' && !isErrorStatus(r.status)) fail('unknown status')
  if (r.status !== 'ok') return errorHead(r)
  only(r, ['status', 'stat', 'paths', 'entries', 'leases', 'record', 'claim', 'body'])
  const out: {
    status: 'ok'
    stat?: HostStat
    paths?: Uint8Array[][]
    entries?: RecordEntry[]
    leases?: number[]
    record?: Omit<ManifestRecord, 'sealed'>
    claim?: ClaimResult
    body?: number
  } = { status: 'ok' }
  if (r.leases !== undefined) {
    if (!Array.isArray(r.leases) || r.leases.length > MAX_RENEW_KEYS) fail(`leases must be a list of at most ${MAX_RENEW_KEYS}`)
    out.leases = r.leases.map((t) => uint(t, 'lease end'))
  }
  if (r.entries !== undefined) out.entries = entries(r.entries)
  if (r.paths !== undefined) out.paths = paths(r.paths)
  if (r.record !== undefined) out.record = recordHead(r.record)
  if (r.claim !== undefined) out.claim = claimResult(r.claim)
  if (r.body !== undefined) out.body = uint(r.body, 'body', bodyMax)
  if (out.record && out.body === undefined) fail('a record without its sealed bytes')
  if (r.stat !== undefined) {
    const s = map(r.stat, 'stat')
    only(s, ['quota', 'used', 'shares', 'room', 'price', 'account', 'persistent', 'kind'])
    const stat: { quota: number; used: number; shares: number; room?: number; price?: number; account?: string; persistent?: boolean; kind?: HostKind } = {
      quota: uint(s.quota, 'stat.quota'),
      used: uint(s.used, 'stat.used'),
      shares: uint(s.shares, 'stat.shares'),
    }
    if (s.room !== undefined) stat.room = uint(s.room, 'stat.room')
    if (s.price !== undefined) stat.price = positive(s.price, 'stat.price', Number.MAX_SAFE_INTEGER)
    if (s.account !== undefined) {
      if (stat.price === undefined) fail('stat.account without a price')
      stat.account = account(s.account, 'stat.account')
    }
    if (stat.price !== undefined && stat.account === undefined) fail('stat.price without the account to pay')
    if (s.persistent !== undefined) {
      if (typeof s.persistent !== 'boolean') fail('stat.persistent must be true or false')
      stat.persistent = s.persistent
    }
    if (s.kind !== undefined) {
      if (typeof s.kind !== 'string' || !(HOST_KINDS as readonly string[]).includes(s.kind)) fail(`stat.kind must be one of ${HOST_KINDS.join(', ')}`)
      stat.kind = s.kind as HostKind
    }
    out.stat = stat
  }
  return out
}

export function withResponseBody(head: ResponseHead, body: Uint8Array | undefined): ShareResponse {
  if (head.status !== 'ok') {
    if (body) fail('a body on a refusal')
    return head
  }
  if ((head.body ?? -1) !== (body?.length ?? -1)) fail(`a body of ${body?.length ?? 0} bytes where the header announced ${head.body ?? 0}`)
  const { body: _, record, ...rest } = head
  if (record) return { ...rest, record: { ...record, sealed: body! } }
  return body ? { ...rest, bytes: body } : rest
}

/** Decodes both frames of a response (tests, and the in-memory network). */
export function decodeResponse(msg: Encoded, bodyMax = MAX_BODY): ShareResponse {
  return withResponseBody(decodeResponseHead(msg.head, bodyMax), msg.body)
}

/** The largest body a peer may answer `req` with. */
export function responseBodyMax(req: ShareRequest): number {
  switch (req.type) {
    case 'fetch':
      return req.range ? Math.min(req.range.length, MAX_SHARE_SIZE) : MAX_SHARE_SIZE
    case 'record-get':
      return RECORD_LIMITS.sealedBytes
    case 'audit':
      return Math.min(req.leaves, MAX_AUDIT_LEAVES) * LEAF_SIZE
    case 'repairs':
      return MAX_UPDATES_BYTES
    default:
      return 0
  }
}
