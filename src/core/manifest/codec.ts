import { decode, encode } from 'cborg'
import { ManifestCorruptError } from '../errors.ts'
import { MANIFEST_LIMITS, MANIFEST_VERSION, type CodecParams, type FileManifest, type SegmentEntry, type ShareEntry } from './types.ts'

/**
 * Canonical encoding: deterministic CBOR (RFC 8949 §4.2.1 core rules: shortest
 * forms, map keys sorted) of plain records. Two equal manifests always encode to
 * the same bytes, which is what the signature covers.
 */
export function encodeManifest(m: FileManifest): Uint8Array {
  validateManifest(m)
  return encode({
    version: m.version,
    fileId: m.fileId,
    owner: m.owner,
    revision: m.revision,
    name: m.name,
    size: m.size,
    type: m.type,
    createdAt: m.createdAt,
    codec: { ...m.codec },
    wrappedKey: m.wrappedKey,
    keyCommitment: m.keyCommitment,
    segments: m.segments.map((s) => ({
      index: s.index,
      plaintextLength: s.plaintextLength,
      ciphertextLength: s.ciphertextLength,
      shareSize: s.shareSize,
      shares: s.shares.map((sh) => ({
        index: sh.index,
        key: sh.key,
        root: sh.root,
        holders: [...sh.holders],
        contracts: [...sh.contracts],
      })),
    })),
  })
}

/** Decodes and validates; anything malformed is a ManifestCorruptError. */
export function decodeManifest(bytes: Uint8Array): FileManifest {
  let raw: unknown
  try {
    raw = decode(bytes, { strict: true, rejectDuplicateMapKeys: true, useMaps: false })
  } catch (err) {
    throw new ManifestCorruptError(`The manifest is not valid canonical CBOR: ${(err as Error).message}`)
  }
  const m = parseManifest(raw)
  return m
}

type Rec = Record<string, unknown>

function fail(path: string, what: string): never {
  throw new ManifestCorruptError(`Manifest field ${path} ${what}.`)
}

function rec(v: unknown, path: string, keys: readonly string[]): Rec {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) fail(path, 'must be a map')
  const r = v as Rec
  for (const k of Object.keys(r)) if (!keys.includes(k)) fail(`${path}.${k}`, 'is not a known field')
  for (const k of keys) if (!(k in r)) fail(`${path}.${k}`, 'is missing')
  return r
}

function int(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(path, `must be an integer from ${min} to ${max}`)
  return v
}

function bytes(v: unknown, path: string, min: number, max: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length < min || v.length > max) fail(path, `must be ${min === max ? min : `${min}–${max}`} bytes`)
  return v
}

function str(v: unknown, path: string, maxBytes: number): string {
  if (typeof v !== 'string' || new TextEncoder().encode(v).length > maxBytes) fail(path, `must be a string of at most ${maxBytes} bytes`)
  return v
}

function list<T>(v: unknown, path: string, max: number, item: (x: unknown, p: string) => T): T[] {
  if (!Array.isArray(v) || v.length > max) fail(path, `must be a list of at most ${max} items`)
  return v.map((x, i) => item(x, `${path}[${i}]`))
}

function parseCodec(v: unknown): CodecParams {
  const r = rec(v, 'codec', ['cipher', 'chunkSize', 'erasure', 'k', 'n', 'repairThreshold', 'shareSize', 'segmentSize', 'leafSize'])
  if (r.cipher !== 'aes-256-gcm/chunked-v1') fail('codec.cipher', 'names an unknown cipher')
  if (r.erasure !== 'reed-solomon/gf256-vandermonde') fail('codec.erasure', 'names an unknown erasure code')
  const k = int(r.k, 'codec.k', 1, 254)
  const n = int(r.n, 'codec.n', k + 1, 255)
  return {
    cipher: r.cipher,
    erasure: r.erasure,
    chunkSize: int(r.chunkSize, 'codec.chunkSize', 17, 16 << 20),
    k,
    n,
    repairThreshold: int(r.repairThreshold, 'codec.repairThreshold', k + 1, n),
    shareSize: int(r.shareSize, 'codec.shareSize', 1, 1 << 30),
    segmentSize: int(r.segmentSize, 'codec.segmentSize', 1, 2 ** 40),
    leafSize: int(r.leafSize, 'codec.leafSize', 1, 1 << 30),
  }
}

function parseShare(v: unknown, path: string): ShareEntry {
  const r = rec(v, path, ['index', 'key', 'root', 'holders', 'contracts'])
  const id = (x: unknown, p: string): string => str(x, p, MANIFEST_LIMITS.idLength)
  return {
    index: int(r.index, `${path}.index`, 0, 254),
    key: bytes(r.key, `${path}.key`, 32, 32),
    root: bytes(r.root, `${path}.root`, 32, 32),
    holders: list(r.holders, `${path}.holders`, MANIFEST_LIMITS.holdersPerShare, id),
    contracts: list(r.contracts, `${path}.contracts`, MANIFEST_LIMITS.contractsPerShare, id),
  }
}

function parseSegment(v: unknown, path: string): SegmentEntry {
  const r = rec(v, path, ['index', 'plaintextLength', 'ciphertextLength', 'shareSize', 'shares'])
  return {
    index: int(r.index, `${path}.index`, 0),
    plaintextLength: int(r.plaintextLength, `${path}.plaintextLength`, 0),
    ciphertextLength: int(r.ciphertextLength, `${path}.ciphertextLength`, 1),
    shareSize: int(r.shareSize, `${path}.shareSize`, 1, 1 << 30),
    shares: list(r.shares, `${path}.shares`, 255, parseShare),
  }
}

function parseManifest(v: unknown): FileManifest {
  const r = rec(v, 'manifest', [
    'version',
    'fileId',
    'owner',
    'revision',
    'name',
    'size',
    'type',
    'createdAt',
    'codec',
    'wrappedKey',
    'keyCommitment',
    'segments',
  ])
  if (r.version !== MANIFEST_VERSION) {
    fail('version', `is ${String(r.version)}, but this Layr reads version ${MANIFEST_VERSION}; update Layr to read it`)
  }
  const m: FileManifest = {
    version: MANIFEST_VERSION,
    fileId: bytes(r.fileId, 'fileId', 16, 16),
    owner: bytes(r.owner, 'owner', 32, 32),
    revision: int(r.revision, 'revision', 0),
    name: str(r.name, 'name', MANIFEST_LIMITS.nameBytes),
    size: int(r.size, 'size', 0),
    type: str(r.type, 'type', MANIFEST_LIMITS.typeLength),
    createdAt: int(r.createdAt, 'createdAt', 0),
    codec: parseCodec(r.codec),
    wrappedKey: bytes(r.wrappedKey, 'wrappedKey', 16, 256),
    keyCommitment: bytes(r.keyCommitment, 'keyCommitment', 32, 32),
    segments: list(r.segments, 'segments', MANIFEST_LIMITS.segments, parseSegment),
  }
  validateManifest(m)
  return m
}

/** Cross-field consistency: indices in order, n shares per segment, sizes that add up. */
export function validateManifest(m: FileManifest): void {
  const { k, n, segmentSize } = m.codec
  if (m.segments.length === 0) fail('segments', 'must not be empty')
  let total = 0
  m.segments.forEach((s, i) => {
    const path = `segments[${i}]`
    if (s.index !== i) fail(`${path}.index`, `must be ${i}`)
    if (s.shares.length !== n) fail(`${path}.shares`, `must list ${n} shares`)
    s.shares.forEach((sh, j) => {
      if (sh.index !== j) fail(`${path}.shares[${j}].index`, `must be ${j}`)
    })
    if (s.plaintextLength > segmentSize) fail(`${path}.plaintextLength`, 'exceeds the segment size')
    if (i < m.segments.length - 1 && s.plaintextLength !== segmentSize) fail(`${path}.plaintextLength`, 'must fill the segment')
    if (s.ciphertextLength > k * s.shareSize) fail(`${path}.ciphertextLength`, 'does not fit in its shares')
    total += s.plaintextLength
  })
  if (total !== m.size) fail('size', `is ${m.size} but the segments hold ${total} bytes`)
}
