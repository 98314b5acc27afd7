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
import type { OwnerAuth } from './auth.ts'
import type { RecordEntry } from '../../ports/record-store.ts'

export type { RecordEntry } from '../../ports/record-store.ts'

export { ProtocolError } from './errors.ts'

export const SHARE_PROTOCOL = '/layr/share/2.0.0'

/** The largest header frame accepted: requests are a few fields; a response may list 4,096 records. */
export const HEADER_LIMITS = { request: 16 * 1024, response: 512 * 1024 } as const
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
  | ({ readonly type: 'store'; readonly key: Uint8Array; readonly root: Uint8Array; readonly lease: number; readonly bytes: Uint8Array } & OwnerAuth)
  /** Extend the owner's leases on up to MAX_RENEW_KEYS shares to `lease` from now; answered with `leases`. */
  | ({ readonly type: 'renew'; readonly keys: readonly Uint8Array[]; readonly lease: number } & OwnerAuth)
  | { readonly type: 'fetch'; readonly key: Uint8Array; readonly range?: ByteRange }
  /** Prove the share is held: the leaves `nonce` draws (core/audit), `leaves` of them, with their Merkle paths. */
  | { readonly type: 'audit'; readonly key: Uint8Array; readonly nonce: Uint8Array; readonly leaves: number }
  | ({ readonly type: 'delete'; readonly key: Uint8Array } & OwnerAuth)
  | { readonly type: 'stat' }
  | { readonly type: 'record-put'; readonly record: ManifestRecord }
  | ({ readonly type: 'record-list' } & OwnerAuth)
  | ({ readonly type: 'record-get'; readonly fileId: Uint8Array } & OwnerAuth)

export type RequestType = ShareRequest['type']

/** A request as its header frame carries it: the data it will send is only announced (`body`). */
export type RequestHead =
  | (Omit<Extract<ShareRequest, { type: 'store' }>, 'bytes'> & { readonly body: number })
  | { readonly type: 'record-put'; readonly record: Omit<ManifestRecord, 'sealed'>; readonly body: number }
  | Exclude<ShareRequest, { type: 'store' } | { type: 'record-put' }>

export type ErrorStatus = 'not-found' | 'bad-request' | 'over-quota' | 'root-mismatch' | 'unauthorized' | 'busy' | 'error'

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
    }
  | { readonly status: ErrorStatus; readonly message: string }

/** What a host answers, before any body, to a request that carries one: send it, or the refusal. */
export type Interim = { readonly status: 'continue' } | Extract<ShareResponse, { message: string }>

export interface HostStat {
  /** Bytes this host is willing to hold. */
  readonly quota: number
  readonly used: number
  readonly shares: number
  /** Bytes the asking peer may still store here (its part of a free host). */
  readonly room?: number
}

/** Both frames of an encoded message. */
export interface Encoded {
  readonly head: Uint8Array
  readonly body?: Uint8Array
}

const ERROR_STATUSES: readonly string[] = ['not-found', 'bad-request', 'over-quota', 'root-mismatch', 'unauthorized', 'busy', 'error']

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

function auth(r: Rec): OwnerAuth {
  return { owner: bytes(r.owner, 'owner', 32, 32), time: uint(r.time, 'time'), signature: bytes(r.signature, 'signature', 64, 64) }
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

function authFields(a: OwnerAuth): OwnerAuth {
  return { owner: a.owner, time: a.time, signature: a.signature }
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
  }
}

export function decodeRequestHead(frame: Uint8Array): RequestHead {
  const r = parse(frame, HEADER_LIMITS.request, REQUEST_BOUNDS)
  switch (r.type) {
    case 'store':
      only(r, ['type', 'key', 'root', 'lease', 'owner', 'time', 'signature', 'body'])
      return {
        type: 'store',
        key: bytes(r.key, 'key', 32, 32),
        root: bytes(r.root, 'root', 32, 32),
        lease: uint(r.lease, 'lease'),
        ...auth(r),
        body: uint(r.body, 'body', MAX_SHARE_SIZE),
      }
    case 'renew': {
      only(r, ['type', 'keys', 'lease', 'owner', 'time', 'signature'])
      if (!Array.isArray(r.keys) || r.keys.length < 1 || r.keys.length > MAX_RENEW_KEYS) fail(`keys must be a list of 1 to ${MAX_RENEW_KEYS}`)
      const keys = r.keys.map((k) => bytes(k, 'key', 32, 32))
      return { type: 'renew', keys, lease: uint(r.lease, 'lease'), ...auth(r) }
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
      only(r, ['type', 'key', 'owner', 'time', 'signature'])
      return { type: 'delete', key: bytes(r.key, 'key', 32, 32), ...auth(r) }
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
    default:
      return fail(`unknown request type "${String(r.type)}"`)
  }
}

/** The length of the body a request announced, or undefined when it carries none. */
export function requestBodyLength(head: RequestHead): number | undefined {
  return head.type === 'store' || head.type === 'record-put' ? head.body : undefined
}

/** The whole request, once its announced body has arrived. */
export function withRequestBody(head: RequestHead, body: Uint8Array | undefined): ShareRequest {
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
  if (res.status !== 'ok') return { head: encode({ status: res.status, message: res.message.slice(0, 1024) }) }
  const head: Record<string, unknown> = { status: 'ok' }
  if (res.stat) head.stat = res.stat
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
      readonly body?: number
    }
  | { readonly status: ErrorStatus; readonly message: string }

function errorHead(r: Rec): ResponseHead {
  only(r, ['status', 'message'])
  if (typeof r.message !== 'string' || r.message.length > 1024) fail('message must be a short string')
  return { status: r.status as ErrorStatus, message: r.message }
}

/** The first answer to a request that carries a body: `continue`, or a refusal. */
export function decodeInterim(frame: Uint8Array): Interim {
  const r = parse(frame, HEADER_LIMITS.request, REQUEST_BOUNDS)
  if (r.status === 'continue') {
    only(r, ['status'])
    return { status: 'continue' }
  }
  if (typeof r.status !== 'string' || !ERROR_STATUSES.includes(r.status)) fail('an interim answer must be continue or a refusal')
  return errorHead(r) as Interim
}

/** `bodyMax`: the largest body the request can be answered with (0 when it has none). */
export function decodeResponseHead(frame: Uint8Array, bodyMax: number): ResponseHead {
  const r = parse(frame, HEADER_LIMITS.response, RESPONSE_BOUNDS)
  if (typeof r.status !== 'string' || (r.status !== 'ok' && !ERROR_STATUSES.includes(r.status))) fail('unknown status')
  if (r.status !== 'ok') return errorHead(r)
  only(r, ['status', 'stat', 'paths', 'entries', 'leases', 'record', 'body'])
  const out: {
    status: 'ok'
    stat?: HostStat
    paths?: Uint8Array[][]
    entries?: RecordEntry[]
    leases?: number[]
    record?: Omit<ManifestRecord, 'sealed'>
    body?: number
  } = { status: 'ok' }
  if (r.leases !== undefined) {
    if (!Array.isArray(r.leases) || r.leases.length > MAX_RENEW_KEYS) fail(`leases must be a list of at most ${MAX_RENEW_KEYS}`)
    out.leases = r.leases.map((t) => uint(t, 'lease end'))
  }
  if (r.entries !== undefined) out.entries = entries(r.entries)
  if (r.paths !== undefined) out.paths = paths(r.paths)
  if (r.record !== undefined) out.record = recordHead(r.record)
  if (r.body !== undefined) out.body = uint(r.body, 'body', bodyMax)
  if (out.record && out.body === undefined) fail('a record without its sealed bytes')
  if (r.stat !== undefined) {
    const s = map(r.stat, 'stat')
    only(s, ['quota', 'used', 'shares', 'room'])
    const stat = { quota: uint(s.quota, 'stat.quota'), used: uint(s.used, 'stat.used'), shares: uint(s.shares, 'stat.shares') }
    out.stat = s.room === undefined ? stat : { ...stat, room: uint(s.room, 'stat.room') }
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
    default:
      return 0
  }
}
