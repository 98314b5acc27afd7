/**
 * /layr/share/1.0.0 messages: one request and one response per stream, each a canonical CBOR
 * map in one length-prefixed frame. Peers are untrusted, so decoding checks every field's type
 * and size before anything uses it, and frames are bounded (MAX_FRAME) before they are read.
 */
import { decode, encode } from 'cborg'
import { LayrError } from '../../core/errors.ts'
import { MAX_SHARE_SIZE } from '../../core/segment/index.ts'
import { RECORD_LIMITS, type ManifestRecord } from '../../core/records/index.ts'

export const SHARE_PROTOCOL = '/layr/share/1.0.0'
/** The largest frame either side accepts: a whole share plus room for the fields around it. */
export const MAX_FRAME = MAX_SHARE_SIZE + 64 * 1024

/** A peer sent something that is not a valid message of this protocol. */
export class ProtocolError extends LayrError {
  override readonly name = 'ProtocolError'
}

export interface ByteRange {
  readonly offset: number
  readonly length: number
}

export type ShareRequest =
  | { readonly type: 'store'; readonly key: Uint8Array; readonly root: Uint8Array; readonly owner: Uint8Array; readonly bytes: Uint8Array }
  | { readonly type: 'fetch'; readonly key: Uint8Array; readonly range?: ByteRange }
  | { readonly type: 'delete'; readonly key: Uint8Array; readonly signature: Uint8Array }
  | { readonly type: 'stat' }
  | { readonly type: 'record-put'; readonly record: ManifestRecord }
  | { readonly type: 'record-list'; readonly owner: Uint8Array }
  | { readonly type: 'record-get'; readonly owner: Uint8Array; readonly fileId: Uint8Array }

/** One line of a record-list answer. */
export interface RecordEntry {
  readonly fileId: Uint8Array
  readonly revision: number
}

export type ErrorStatus = 'not-found' | 'bad-request' | 'over-quota' | 'root-mismatch' | 'unauthorized' | 'error'

export type ShareResponse =
  | {
      readonly status: 'ok'
      readonly bytes?: Uint8Array
      readonly stat?: HostStat
      readonly record?: ManifestRecord
      readonly entries?: readonly RecordEntry[]
    }
  | { readonly status: ErrorStatus; readonly message: string }

export interface HostStat {
  /** Bytes this host is willing to hold. */
  readonly quota: number
  readonly used: number
  readonly shares: number
}

const STATUSES: readonly string[] = ['ok', 'not-found', 'bad-request', 'over-quota', 'root-mismatch', 'unauthorized', 'error']

type Rec = Record<string, unknown>

function fail(what: string): never {
  throw new ProtocolError(`Malformed share-protocol message: ${what}.`)
}

function parse(frame: Uint8Array): Rec {
  if (frame.length > MAX_FRAME) fail(`${frame.length} bytes, over the ${MAX_FRAME}-byte limit`)
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

function map(v: unknown, field: string): Rec {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) fail(`${field} must be a map`)
  return v as Rec
}

function record(v: unknown): ManifestRecord {
  const r = map(v, 'record')
  only(r, ['owner', 'fileId', 'revision', 'sealed', 'signature'])
  return {
    owner: bytes(r.owner, 'record.owner', 32, 32),
    fileId: bytes(r.fileId, 'record.fileId', 16, 16),
    revision: uint(r.revision, 'record.revision'),
    sealed: bytes(r.sealed, 'record.sealed', 0, RECORD_LIMITS.sealedBytes),
    signature: bytes(r.signature, 'record.signature', 64, 64),
  }
}

function entries(v: unknown): RecordEntry[] {
  if (!Array.isArray(v) || v.length > RECORD_LIMITS.perOwner) fail(`entries must be a list of at most ${RECORD_LIMITS.perOwner}`)
  return v.map((e) => {
    const m = map(e, 'entry')
    only(m, ['fileId', 'revision'])
    return { fileId: bytes(m.fileId, 'entry.fileId', 16, 16), revision: uint(m.revision, 'entry.revision') }
  })
}

export function encodeRequest(req: ShareRequest): Uint8Array {
  return encode(req.type === 'fetch' && req.range === undefined ? { type: req.type, key: req.key } : req)
}

export function decodeRequest(frame: Uint8Array): ShareRequest {
  const r = parse(frame)
  switch (r.type) {
    case 'store':
      only(r, ['type', 'key', 'root', 'owner', 'bytes'])
      return {
        type: 'store',
        key: bytes(r.key, 'key', 32, 32),
        root: bytes(r.root, 'root', 32, 32),
        owner: bytes(r.owner, 'owner', 32, 32),
        bytes: bytes(r.bytes, 'bytes', 1, MAX_SHARE_SIZE),
      }
    case 'fetch': {
      only(r, ['type', 'key', 'range'])
      const key = bytes(r.key, 'key', 32, 32)
      if (r.range === undefined) return { type: 'fetch', key }
      const range = map(r.range, 'range')
      only(range, ['offset', 'length'])
      return { type: 'fetch', key, range: { offset: uint(range.offset, 'range.offset', MAX_SHARE_SIZE), length: uint(range.length, 'range.length', MAX_SHARE_SIZE) } }
    }
    case 'delete':
      only(r, ['type', 'key', 'signature'])
      return { type: 'delete', key: bytes(r.key, 'key', 32, 32), signature: bytes(r.signature, 'signature', 64, 64) }
    case 'stat':
      only(r, ['type'])
      return { type: 'stat' }
    case 'record-put':
      only(r, ['type', 'record'])
      return { type: 'record-put', record: record(r.record) }
    case 'record-list':
      only(r, ['type', 'owner'])
      return { type: 'record-list', owner: bytes(r.owner, 'owner', 32, 32) }
    case 'record-get':
      only(r, ['type', 'owner', 'fileId'])
      return { type: 'record-get', owner: bytes(r.owner, 'owner', 32, 32), fileId: bytes(r.fileId, 'fileId', 16, 16) }
    default:
      return fail(`unknown request type "${String(r.type)}"`)
  }
}

export function encodeResponse(res: ShareResponse): Uint8Array {
  return encode(res)
}

export function decodeResponse(frame: Uint8Array): ShareResponse {
  const r = parse(frame)
  if (typeof r.status !== 'string' || !STATUSES.includes(r.status)) fail('unknown status')
  if (r.status !== 'ok') {
    only(r, ['status', 'message'])
    if (typeof r.message !== 'string' || r.message.length > 1024) fail('message must be a short string')
    return { status: r.status as ErrorStatus, message: r.message }
  }
  only(r, ['status', 'bytes', 'stat', 'record', 'entries'])
  const out: { status: 'ok'; bytes?: Uint8Array; stat?: HostStat; record?: ManifestRecord; entries?: RecordEntry[] } = { status: 'ok' }
  if (r.record !== undefined) out.record = record(r.record)
  if (r.entries !== undefined) out.entries = entries(r.entries)
  if (r.bytes !== undefined) out.bytes = bytes(r.bytes, 'bytes', 0, MAX_SHARE_SIZE)
  if (r.stat !== undefined) {
    const s = map(r.stat, 'stat')
    only(s, ['quota', 'used', 'shares'])
    out.stat = { quota: uint(s.quota, 'stat.quota'), used: uint(s.used, 'stat.used'), shares: uint(s.shares, 'stat.shares') }
  }
  return out
}
