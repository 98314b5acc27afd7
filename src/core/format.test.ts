/**
 * docs/FORMAT.md, checked. Every test vector in the document must be produced exactly by Layr's code
 * and, separately, by the independent implementation below, which is written from the document alone:
 * node:crypto for SHA-256, HKDF, AES-GCM and Ed25519, and a hand-written base32, GF(2^8), Reed-Solomon,
 * Merkle tree and CBOR. It takes every constant from the document's constants table, never from Layr.
 * It also restores the document's example file, and files Layr encodes, from k shares: together this is
 * what shows the document is complete.
 */
import { readFileSync } from 'node:fs'
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { answerAudit, AUDIT_FRACTION, auditIndices, checkAudit, leavesPerAudit, MAX_AUDIT_LEAVES, NONCE_SIZE } from './audit/index.ts'
import { CROCKFORD_ALPHABET, toHex } from './bytes.ts'
import { CHUNK_SIZE, FileCipher, TAG_SIZE } from './crypto/index.ts'
import { createReedSolomon } from './erasure/index.ts'
import { encodingMatrix, GF_POLYNOMIAL } from './erasure/gf256.ts'
import { RecoveryTextError } from './errors.ts'
import { decodeManifest, encodeManifest, MANIFEST_VERSION, openManifest, sealManifest, type FileManifest } from './manifest/index.ts'
import { LEAF_SIZE, merkleRoot, merkleTree, verifyLeaf } from './merkle/index.ts'
import { allocateBuffers, codeSegment, decodeAll, encodeAll, shareKey, shareViews, type FetchShare } from './pipeline/index.ts'
import { recordMessage, recordsKey, signRecord, verifyRecord } from './records/index.ts'
import { DEFAULT_SHARE_SIZE, MAX_SHARE_SIZE, planSegments, segmentSpec } from './segment/index.ts'
import { encodeRecoveryText, parseRecoveryText, RECOVERY_PREFIX, Vault } from './vault/index.ts'
// §17 is the network's: the test reads the protocol's own constants and message builders.
import { HOST_MAX_LEASE_MS, MAX_RENEW_KEYS } from './lease/index.ts'
import { AUTH_WINDOW_MS, deleteMessage, offerMessage, readRecordsMessage, renewMessage, signOffer, storeMessage } from '../net/share/auth.ts'
import {
  decodeRequestHead,
  decodeResponseHead,
  encodeRequest,
  encodeResponse,
  HEADER_LIMITS,
  MAX_OFFER_CLAIMS,
  MAX_OFFER_XDR,
  SHARE_PROTOCOL,
} from '../net/share/messages.ts'
// §18 is the network's too: the owner's deadline lives with the owner's audit.
import { AUDIT_DEADLINE_MS } from '../transfer/audit.ts'
import {
  delegatedMessage,
  delegatePublicKey,
  delegationMessage,
  MAX_CAPABILITY_BYTES,
  MAX_DELEGATION_MS,
  scopeDigest,
  signDelegation,
} from './repair/capability.ts'
import { delegateStoreSigner } from '../net/share/auth.ts'

// ---------------------------------------------------------------------------------------------
// The document: its constants table and its vectors.

const DOC = readFileSync(new URL('../../docs/FORMAT.md', import.meta.url), 'utf8')

function readConstants(doc: string): Map<string, string | number> {
  const block = /<!-- constants:begin -->([\s\S]*?)<!-- constants:end -->/.exec(doc)?.[1]
  if (block === undefined) throw new Error('FORMAT.md has no constants table')
  const out = new Map<string, string | number>()
  for (const line of block.split('\n')) {
    const m = /^\|\s*`([A-Z0-9_]+)`\s*\|\s*`([^`]*)`\s*\|/.exec(line)
    if (m) out.set(m[1] as string, JSON.parse(m[2] as string) as string | number)
  }
  return out
}

function readVectors(doc: string): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const m of doc.matchAll(/<!-- vector: ([a-z0-9-]+) -->\s*```json\n([\s\S]*?)\n```/g)) {
    const name = m[1] as string
    if (out.has(name)) throw new Error(`FORMAT.md has two vectors named ${name}`)
    out.set(name, JSON.parse(m[2] as string))
  }
  return out
}

const CONSTANTS = readConstants(DOC)
const VECTORS = readVectors(DOC)

const C = {
  str(name: string): string {
    const v = CONSTANTS.get(name)
    if (typeof v !== 'string') throw new Error(`FORMAT.md's constants table has no string ${name}`)
    return v
  },
  num(name: string): number {
    const v = CONSTANTS.get(name)
    if (typeof v !== 'number') throw new Error(`FORMAT.md's constants table has no number ${name}`)
    return v
  },
  bytes(name: string): Buffer {
    return Buffer.from(C.str(name), 'utf8')
  },
}

function vector<T>(name: string): T {
  if (!VECTORS.has(name)) throw new Error(`FORMAT.md has no vector ${name}`)
  return VECTORS.get(name) as T
}

type Input = { hex: string } | { utf8: string } | { pattern: { length: number; mul?: number; add?: number; perLeaf?: number } }

/** An input as §1 defines it. */
function input(i: Input): Buffer {
  if ('hex' in i) return Buffer.from(i.hex, 'hex')
  if ('utf8' in i) return Buffer.from(i.utf8, 'utf8')
  const { length, mul = 0, add = 0, perLeaf = 0 } = i.pattern
  const out = Buffer.alloc(length)
  for (let x = 0; x < length; x++) out[x] = (mul * x + add + perLeaf * Math.floor(x / 65536)) % 256
  return out
}

const hex = (h: string): Buffer => Buffer.from(h, 'hex')
const hexOf = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** The manifest vector's JSON as values: `h'…'` strings are byte strings (§1). */
function fromDiagnostic(v: unknown): unknown {
  if (typeof v === 'string') {
    const m = /^h'([0-9a-f]*)'$/.exec(v)
    return m ? new Uint8Array(hex(m[1] as string)) : v
  }
  if (Array.isArray(v)) return v.map(fromDiagnostic)
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromDiagnostic(x)]))
  }
  return v
}

// ---------------------------------------------------------------------------------------------
// The independent implementation, from the document's words. Section numbers refer to FORMAT.md.

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}
const cat = (...parts: Uint8Array[]): Buffer => Buffer.concat(parts)
const u32be = (x: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(x)
  return b
}
const u64be = (x: number): Buffer => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(x))
  return b
}

// §1: HKDF-SHA256, AES-256-GCM (ciphertext ‖ tag), Ed25519.
const hkdf = (ikm: Uint8Array, info: Uint8Array, length = 32): Buffer => Buffer.from(hkdfSync('sha256', ikm, C.bytes('HKDF_SALT'), info, length))

function gcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: C.num('TAG_SIZE') })
  c.setAAD(aad)
  return cat(c.update(plaintext), c.final(), c.getAuthTag())
}

function gcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer {
  const tag = C.num('TAG_SIZE')
  const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: tag })
  d.setAAD(aad)
  d.setAuthTag(sealed.subarray(sealed.length - tag))
  return cat(d.update(sealed.subarray(0, sealed.length - tag)), d.final())
}

const PKCS8_ED25519 = hex('302e020100300506032b657004220420')
const edPrivate = (seed: Uint8Array) => createPrivateKey({ key: cat(PKCS8_ED25519, seed), format: 'der', type: 'pkcs8' })
function edPublic(seed: Uint8Array): Buffer {
  const jwk = createPublicKey(edPrivate(seed)).export({ format: 'jwk' })
  return Buffer.from(jwk.x as string, 'base64url')
}
const edSign = (seed: Uint8Array, message: Uint8Array): Buffer => nodeSign(null, message, edPrivate(seed))
function edVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' })
  return nodeVerify(null, message, key, signature)
}

// §3: recovery text. base32 as a bit string, most significant bit first.
function base32(bytes: Uint8Array): string {
  let bits = ''
  for (const b of bytes) bits += b.toString(2).padStart(8, '0')
  while (bits.length % 5 !== 0) bits += '0'
  let out = ''
  for (let i = 0; i < bits.length; i += 5) out += C.str('BASE32_ALPHABET').charAt(parseInt(bits.slice(i, i + 5), 2))
  return out
}

const recoveryChecksum = (secret: Uint8Array): Buffer => sha256(C.bytes('RECOVERY_CHECKSUM_LABEL'), secret).subarray(0, 4)

function recoveryText(secret: Uint8Array): string {
  const body = base32(cat(secret, recoveryChecksum(secret)))
  return C.str('RECOVERY_PREFIX') + (body.match(/.{1,5}/g) as string[]).join('-')
}

function parseRecovery(text: string): Buffer {
  const t = text.replace(/^\s+/, '')
  const head = C.str('RECOVERY_PREFIX').replace(/-$/, '')
  if (t.slice(0, head.length).toLowerCase() !== head) throw new Error('prefix')
  let bits = ''
  for (const ch of t.slice(head.length)) {
    if (ch === '-' || /\s/.test(ch)) continue
    let up = ch.toUpperCase()
    if (up === 'O') up = '0'
    if (up === 'I' || up === 'L') up = '1'
    const v = C.str('BASE32_ALPHABET').indexOf(up)
    if (v < 0) throw new Error(`character ${ch}`)
    bits += v.toString(2).padStart(5, '0')
  }
  const size = 32 + 4
  if (bits.length !== Math.ceil((size * 8) / 5) * 5) throw new Error('length')
  if (/1/.test(bits.slice(size * 8))) throw new Error('padding bits')
  const bytes = Buffer.alloc(size)
  for (let i = 0; i < size; i++) bytes[i] = parseInt(bits.slice(8 * i, 8 * i + 8), 2)
  const secret = bytes.subarray(0, 32)
  if (!bytes.subarray(32).equals(recoveryChecksum(secret))) throw new Error('checksum')
  return secret
}

// §4: vault keys.
function vaultKeys(secret: Uint8Array) {
  const signingSeed = hkdf(secret, C.bytes('INFO_SIGNING_KEY'))
  const ownerPublicKey = edPublic(signingSeed)
  return {
    signingSeed,
    ownerPublicKey,
    manifestKey: hkdf(secret, C.bytes('INFO_MANIFEST_KEY')),
    wrapKey: hkdf(secret, C.bytes('INFO_WRAP_KEY')),
    manifestKeyId: hkdf(secret, cat(C.bytes('INFO_BYTES_PREFIX'), C.bytes('KEY_ID_PURPOSE')), C.num('KEY_ID_SIZE')),
    recordsKey: sha256(C.bytes('RECORDS_KEY_PREFIX'), ownerPublicKey),
  }
}
type VaultKeys = ReturnType<typeof vaultKeys>

// §5: the file key.
const fileAesKey = (fileKey: Uint8Array, fileId: Uint8Array) => hkdf(fileKey, cat(C.bytes('INFO_FILE_KEY'), fileId))
const fileCommitment = (fileKey: Uint8Array, fileId: Uint8Array) => hkdf(fileKey, cat(C.bytes('INFO_FILE_COMMIT'), fileId))
const wrapFileKey = (wrapKey: Uint8Array, nonce: Uint8Array, fileId: Uint8Array, fileKey: Uint8Array) => cat(nonce, gcmSeal(wrapKey, nonce, fileId, fileKey))
const unwrapFileKey = (wrapKey: Uint8Array, fileId: Uint8Array, wrapped: Uint8Array) => gcmOpen(wrapKey, wrapped.subarray(0, 12), fileId, wrapped.subarray(12))

// §6: chunk encryption.
const chunkPlaintext = (): number => C.num('CHUNK_SIZE') - C.num('TAG_SIZE')
const chunkNonce = (s: number, j: number): Buffer => cat(u64be(s), u32be(j))
const chunkAd = (fileId: Uint8Array, s: number, last: boolean): Buffer => cat(C.bytes('CHUNK_AD_LABEL'), fileId, u64be(s), Uint8Array.of(last ? 1 : 0))

function encryptSegment(aesKey: Uint8Array, fileId: Uint8Array, s: number, p: Uint8Array): Buffer {
  const cp = chunkPlaintext()
  const c = Math.max(1, Math.ceil(p.length / cp))
  const out: Buffer[] = []
  for (let j = 0; j < c; j++) {
    out.push(gcmSeal(aesKey, chunkNonce(s, j), chunkAd(fileId, s, j === c - 1), p.subarray(j * cp, Math.min((j + 1) * cp, p.length))))
  }
  return cat(...out)
}

function decryptSegment(aesKey: Uint8Array, fileId: Uint8Array, s: number, ct: Uint8Array): Buffer {
  const size = C.num('CHUNK_SIZE')
  const tag = C.num('TAG_SIZE')
  const c = Math.ceil(ct.length / size)
  if (ct.length < tag || (c > 1 && ct.length - (c - 1) * size <= tag)) throw new Error('not whole chunks')
  const out: Buffer[] = []
  for (let j = 0; j < c; j++) {
    out.push(gcmOpen(aesKey, chunkNonce(s, j), chunkAd(fileId, s, j === c - 1), ct.subarray(j * size, Math.min((j + 1) * size, ct.length))))
  }
  return cat(...out)
}

// §7: segments, shares and padding.
const ciphertextLength = (plaintext: number): number => plaintext + C.num('TAG_SIZE') * Math.max(1, Math.ceil(plaintext / chunkPlaintext()))
function capacity(x: number): number {
  const size = C.num('CHUNK_SIZE')
  return Math.floor(x / size) * chunkPlaintext() + Math.max(0, (x % size) - C.num('TAG_SIZE'))
}
function segmentPlan(fileSize: number, k: number, shareSize: number) {
  const segmentSize = capacity(k * shareSize)
  return { segmentSize, count: Math.max(1, Math.ceil(fileSize / segmentSize)) }
}
function segmentOf(fileSize: number, k: number, shareSize: number, i: number) {
  const { segmentSize } = segmentPlan(fileSize, k, shareSize)
  const offset = i * segmentSize
  const plaintextLength = Math.min(segmentSize, fileSize - offset)
  const ct = ciphertextLength(plaintextLength)
  const need = Math.max(1, Math.ceil(ct / k))
  let size = C.num('LEAF_SIZE')
  while (size < need && size < shareSize) size *= 2
  return { offset, plaintextLength, ciphertextLength: ct, shareSize: Math.min(size, shareSize) }
}

// §8: GF(2^8) and Reed-Solomon.
const GF_EXP = new Uint8Array(255)
const GF_LOG = new Uint8Array(256)
{
  let x = 1
  for (let i = 0; i < 255; i++) {
    GF_EXP[i] = x
    GF_LOG[x] = i
    x <<= 1
    if (x & 0x100) x ^= C.num('GF_POLYNOMIAL')
  }
}
const gfMul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : (GF_EXP[((GF_LOG[a] as number) + (GF_LOG[b] as number)) % 255] as number))
const gfInv = (a: number): number => GF_EXP[(255 - (GF_LOG[a] as number)) % 255] as number
const gfPow = (a: number, e: number): number => {
  let r = 1
  for (let i = 0; i < e; i++) r = gfMul(r, a)
  return r
}
type Mat = number[][]
const matMul = (a: Mat, b: Mat): Mat =>
  a.map((row) => (b[0] as number[]).map((_, c) => row.reduce((acc, x, i) => acc ^ gfMul(x, (b[i] as number[])[c] as number), 0)))
function matInvert(m: Mat): Mat {
  const size = m.length
  const a = m.map((row, r) => [...row, ...Array.from({ length: size }, (_, c) => (c === r ? 1 : 0))])
  for (let col = 0; col < size; col++) {
    const pivot = a.findIndex((row, r) => r >= col && row[col] !== 0)
    if (pivot < 0) throw new Error('singular')
    ;[a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]]
    const rowC = a[col] as number[]
    const scale = gfInv(rowC[col] as number)
    for (let c = 0; c < 2 * size; c++) rowC[c] = gfMul(rowC[c] as number, scale)
    for (let r = 0; r < size; r++) {
      const row = a[r] as number[]
      const f = row[col] as number
      if (r === col || f === 0) continue
      for (let c = 0; c < 2 * size; c++) row[c] = (row[c] as number) ^ gfMul(f, rowC[c] as number)
    }
  }
  return a.map((row) => row.slice(size))
}
function rsMatrix(k: number, n: number): Mat {
  const v = Array.from({ length: n }, (_, r) => Array.from({ length: k }, (_, c) => gfPow(r, c)))
  return matMul(v, matInvert(v.slice(0, k)))
}
/** Rows `rows` of `matrix` applied to the shares `inputs`, byte by byte. */
function applyRows(matrix: Mat, inputs: readonly Uint8Array[]): Buffer[] {
  const size = (inputs[0] as Uint8Array).length
  return matrix.map((row) => {
    const out = Buffer.alloc(size)
    row.forEach((coef, t) => {
      const src = inputs[t] as Uint8Array
      for (let b = 0; b < size; b++) out[b] = (out[b] as number) ^ gfMul(coef, src[b] as number)
    })
    return out
  })
}
function rsEncode(dataShares: readonly Uint8Array[], n: number): Buffer[] {
  const k = dataShares.length
  return [...dataShares.map((d) => Buffer.from(d)), ...applyRows(rsMatrix(k, n).slice(k), dataShares)]
}
/** The k data shares from any k shares: `shares` maps share index → bytes. */
function rsDecode(shares: ReadonlyMap<number, Uint8Array>, k: number, n: number): Buffer[] {
  const present = [...shares.keys()].sort((a, b) => a - b).slice(0, k)
  if (present.length < k) throw new Error('fewer than k shares')
  const e = rsMatrix(k, n)
  return applyRows(
    matInvert(present.map((p) => e[p] as number[])),
    present.map((p) => shares.get(p) as Uint8Array),
  )
}

// §9: Merkle tree.
const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha256(C.bytes('MERKLE_NODE_PREFIX'), left, right)
function merkleLevels(share: Uint8Array): Buffer[][] {
  const leaf = C.num('LEAF_SIZE')
  if (share.length === 0 || share.length % leaf !== 0) throw new Error('not whole leaves')
  const levels: Buffer[][] = [Array.from({ length: share.length / leaf }, (_, i) => sha256(share.subarray(i * leaf, (i + 1) * leaf)))]
  for (let level = levels[0] as Buffer[]; level.length > 1;) {
    const next: Buffer[] = []
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? nodeHash(level[i] as Buffer, level[i + 1] as Buffer) : (level[i] as Buffer))
    levels.push(next)
    level = next
  }
  return levels
}
const refMerkleRoot = (share: Uint8Array): Buffer => (merkleLevels(share).at(-1) as Buffer[])[0] as Buffer
function merklePath(share: Uint8Array, leafIndex: number): Buffer[] {
  const levels = merkleLevels(share)
  const path: Buffer[] = []
  let x = leafIndex
  for (let width = (levels[0] as Buffer[]).length, t = 0; width > 1; width = Math.ceil(width / 2), t++) {
    if ((x ^ 1) < width) path.push((levels[t] as Buffer[])[x ^ 1] as Buffer)
    x = Math.floor(x / 2)
  }
  return path
}
function merkleVerify(root: Uint8Array, leafCount: number, leafIndex: number, leaf: Uint8Array, path: readonly Uint8Array[]): boolean {
  if (leaf.length !== C.num('LEAF_SIZE')) return false
  let h = sha256(leaf)
  let x = leafIndex
  let used = 0
  for (let width = leafCount; width > 1; width = Math.ceil(width / 2)) {
    if ((x ^ 1) < width) {
      const sibling = path[used++]
      if (sibling === undefined) return false
      h = x % 2 === 0 ? nodeHash(h, sibling) : nodeHash(sibling, h)
    }
    x = Math.floor(x / 2)
  }
  return used === path.length && h.equals(root)
}

// §10: share key.
const refShareKey = (root: Uint8Array): Buffer => sha256(C.bytes('SHARE_KEY_PREFIX'), root)

// §11: deterministic CBOR, just the types the format uses.
type Cbor = number | string | Uint8Array | Cbor[] | { [key: string]: Cbor }

function cborHead(major: number, value: number): Buffer {
  const m = major << 5
  if (value < 24) return Buffer.of(m | value)
  if (value < 0x100) return Buffer.of(m | 24, value)
  if (value < 0x10000) return cat(Buffer.of(m | 25), Buffer.from([value >> 8, value & 255]))
  if (value < 0x1_0000_0000) return cat(Buffer.of(m | 26), u32be(value))
  return cat(Buffer.of(m | 27), u64be(value))
}

function cborEncode(v: Cbor): Buffer {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`not a uint: ${v}`)
    return cborHead(0, v)
  }
  if (v instanceof Uint8Array) return cat(cborHead(2, v.length), v)
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8')
    return cat(cborHead(3, b.length), b)
  }
  if (Array.isArray(v)) return cat(cborHead(4, v.length), ...v.map(cborEncode))
  // Keys sorted by their encoded bytes: for text keys, shorter first, then byte order.
  const entries = Object.entries(v)
    .map(([k, x]) => [cborEncode(k), cborEncode(x)] as const)
    .sort(([a], [b]) => a.length - b.length || Buffer.compare(a, b))
  return cat(cborHead(5, entries.length), ...entries.flat())
}

function cborDecode(bytes: Uint8Array): Cbor {
  let pos = 0
  const arg = (minor: number): number => {
    const width = minor < 24 ? 0 : minor === 24 ? 1 : minor === 25 ? 2 : minor === 26 ? 4 : minor === 27 ? 8 : -1
    if (width < 0) throw new Error(`unsupported CBOR argument ${minor}`)
    if (width === 0) return minor
    let value = 0
    for (let i = 0; i < width; i++) value = value * 256 + (bytes[pos++] as number)
    if (!Number.isSafeInteger(value)) throw new Error('integer too large')
    if (value < (width === 1 ? 24 : 2 ** (4 * width))) throw new Error('not the shortest form')
    return value
  }
  const item = (): Cbor => {
    const initial = bytes[pos++]
    if (initial === undefined) throw new Error('CBOR ends early')
    const major = initial >> 5
    const value = arg(initial & 31)
    switch (major) {
      case 0:
        return value
      case 2:
      case 3: {
        if (pos + value > bytes.length) throw new Error('CBOR ends early')
        const b = bytes.slice(pos, pos + value)
        pos += value
        return major === 2 ? new Uint8Array(b) : Buffer.from(b).toString('utf8')
      }
      case 4:
        return Array.from({ length: value }, item)
      case 5: {
        const out: { [key: string]: Cbor } = {}
        let previous: Buffer | undefined
        for (let i = 0; i < value; i++) {
          const start = pos
          const key = item()
          if (typeof key !== 'string' || key in out) throw new Error('bad map key')
          // Deterministic order: each key's encoding sorts after the one before (shorter first, then bytes).
          const encoded = Buffer.from(bytes.subarray(start, pos))
          if (previous && (previous.length - encoded.length || Buffer.compare(previous, encoded)) >= 0) throw new Error(`map key "${key}" out of order`)
          previous = encoded
          out[key] = item()
        }
        return out
      }
      default:
        throw new Error(`unsupported CBOR major type ${major}`)
    }
  }
  const v = item()
  if (pos !== bytes.length) throw new Error('bytes after the CBOR item')
  return v
}

const field = (m: Cbor, name: string): Cbor => {
  if (typeof m !== 'object' || m instanceof Uint8Array || Array.isArray(m) || !(name in m)) throw new Error(`no field ${name}`)
  return m[name] as Cbor
}
const bytesField = (m: Cbor, name: string, length?: number): Uint8Array => {
  const v = field(m, name)
  if (!(v instanceof Uint8Array) || (length !== undefined && v.length !== length)) throw new Error(`${name} is not ${length ?? ''} bytes`)
  return v
}
const uintField = (m: Cbor, name: string): number => {
  const v = field(m, name)
  if (typeof v !== 'number') throw new Error(`${name} is not an integer`)
  return v
}
const listField = (m: Cbor, name: string): Cbor[] => {
  const v = field(m, name)
  if (!Array.isArray(v)) throw new Error(`${name} is not a list`)
  return v
}

// §12: manifest envelope.
function sealEnvelope(keys: VaultKeys, body: Uint8Array, nonce: Uint8Array) {
  const sig = edSign(keys.signingSeed, cat(C.bytes('MANIFEST_SIGN_CONTEXT'), body))
  const payload = cborEncode({ sig, body })
  const ct = gcmSeal(keys.manifestKey, nonce, C.bytes('ENVELOPE_AD'), payload)
  return { sig, payload, envelope: cborEncode({ v: C.num('ENVELOPE_VERSION'), ct, kid: keys.manifestKeyId, nonce }) }
}

function openEnvelope(keys: VaultKeys, envelope: Uint8Array): { body: Uint8Array; manifest: Cbor } {
  const env = cborDecode(envelope)
  if (uintField(env, 'v') !== C.num('ENVELOPE_VERSION')) throw new Error('envelope version')
  if (!Buffer.from(bytesField(env, 'kid', C.num('KEY_ID_SIZE'))).equals(keys.manifestKeyId)) throw new Error('another vault')
  const payload = cborDecode(gcmOpen(keys.manifestKey, bytesField(env, 'nonce', 12), C.bytes('ENVELOPE_AD'), bytesField(env, 'ct')))
  const body = bytesField(payload, 'body')
  if (!edVerify(keys.ownerPublicKey, cat(C.bytes('MANIFEST_SIGN_CONTEXT'), body), bytesField(payload, 'sig', 64))) {
    throw new Error('bad manifest signature')
  }
  const manifest = cborDecode(body)
  if (uintField(manifest, 'version') !== C.num('MANIFEST_VERSION')) throw new Error('manifest version')
  if (!Buffer.from(bytesField(manifest, 'owner', 32)).equals(keys.ownerPublicKey)) throw new Error('another owner')
  return { body, manifest }
}

// §13: records.
const refRecordMessage = (owner: Uint8Array, fileId: Uint8Array, revision: number, sealed: Uint8Array): Buffer =>
  cat(C.bytes('RECORD_CONTEXT'), owner, fileId, u64be(revision), sha256(sealed))

// §14: restoring a file. `share(segment, index)` gives a share's bytes, or undefined.
function restore(text: string, envelope: Uint8Array, share: (segment: number, index: number) => Uint8Array | undefined): Buffer {
  const keys = vaultKeys(parseRecovery(text))
  const { manifest: m } = openEnvelope(keys, envelope)
  const codec = field(m, 'codec')
  if (field(codec, 'cipher') !== C.str('CIPHER_NAME') || field(codec, 'erasure') !== C.str('ERASURE_NAME')) throw new Error('unknown codec')
  if (uintField(codec, 'chunkSize') !== C.num('CHUNK_SIZE') || uintField(codec, 'leafSize') !== C.num('LEAF_SIZE')) throw new Error('unknown sizes')
  const k = uintField(codec, 'k')
  const n = uintField(codec, 'n')
  const fileId = bytesField(m, 'fileId', 16)
  const fileKey = unwrapFileKey(keys.wrapKey, fileId, bytesField(m, 'wrappedKey'))
  if (!fileCommitment(fileKey, fileId).equals(bytesField(m, 'keyCommitment', 32))) throw new Error('wrong key')
  const aesKey = fileAesKey(fileKey, fileId)
  const parts: Buffer[] = []
  for (const seg of listField(m, 'segments')) {
    const index = uintField(seg, 'index')
    const size = uintField(seg, 'shareSize')
    const good = new Map<number, Uint8Array>()
    for (const entry of listField(seg, 'shares')) {
      if (good.size === k) break
      const i = uintField(entry, 'index')
      const bytes = share(index, i)
      if (bytes === undefined || bytes.length !== size) continue
      const root = refMerkleRoot(bytes)
      if (!root.equals(bytesField(entry, 'root', 32)) || !refShareKey(root).equals(bytesField(entry, 'key', 32))) continue
      good.set(i, bytes)
    }
    const data = cat(...rsDecode(good, k, n))
    const plaintext = decryptSegment(aesKey, fileId, index, data.subarray(0, uintField(seg, 'ciphertextLength')))
    if (plaintext.length !== uintField(seg, 'plaintextLength')) throw new Error('segment length')
    parts.push(plaintext)
  }
  const file = cat(...parts)
  if (file.length !== uintField(m, 'size')) throw new Error('file size')
  return file
}

// §18: audits. The indices a nonce draws, how many an audit asks, and the owner's check of an answer.
const refLeavesPerAudit = (m: number): number => Math.min(C.num('MAX_AUDIT_LEAVES'), Math.max(1, Math.floor(m / C.num('AUDIT_DIVISOR'))))
const auditBlock = (nonce: Uint8Array, counter: number): Buffer => sha256(C.bytes('AUDIT_DOMAIN'), nonce, u32be(counter))

function refAuditIndices(nonce: Uint8Array, m: number, c: number): number[] {
  if (nonce.length !== C.num('AUDIT_NONCE_SIZE') || c < 1 || c > Math.min(m, C.num('MAX_AUDIT_LEAVES'))) throw new Error('not an audit')
  const limit = Math.floor(2 ** 32 / m) * m
  const out: number[] = []
  for (let counter = 0; out.length < c; counter++) {
    const block = auditBlock(nonce, counter)
    for (let j = 0; j < 8 && out.length < c; j++) {
      const w = block.readUInt32BE(4 * j)
      if (w >= limit) continue
      if (!out.includes(w % m)) out.push(w % m)
    }
  }
  return out
}

function refCheckAudit(root: Uint8Array, m: number, nonce: Uint8Array, c: number, paths: readonly (readonly Uint8Array[])[], body: Uint8Array): boolean {
  const leaf = C.num('LEAF_SIZE')
  if (paths.length !== c || body.length !== c * leaf) return false
  const indices = refAuditIndices(nonce, m, c)
  return indices.every((x, j) => merkleVerify(root, m, x, body.subarray(j * leaf, (j + 1) * leaf), paths[j] as Uint8Array[]))
}

// ---------------------------------------------------------------------------------------------
// The vectors' shapes.

interface RecoveryVector {
  secret: string
  checksum: string
  text: string
  alsoAccepted: string[]
  rejected: string[]
}
interface VaultKeysVector {
  secret: string
  signingSeed: string
  ownerPublicKey: string
  manifestKey: string
  wrapKey: string
  manifestKeyId: string
  recordsKey: string
}
interface FileKeyVector {
  fileKey: string
  fileId: string
  aesKey: string
  keyCommitment: string
  wrapKey: string
  wrapNonce: string
  wrappedKey: string
}
interface ChunksVector {
  fileKey: string
  aesKey: string
  fileId: string
  segments: Array<{
    segment: number
    plaintext: Input
    chunks: Array<{ nonce: string; ad: string; tag?: string; ciphertext?: string }>
    ciphertext?: string
    ciphertextLength?: number
    ciphertextSha256?: string
  }>
}
interface LayoutRow {
  fileSize: number
  k: number
  shareSize: number
  segmentSize: number
  count: number
  last: { offset: number; plaintextLength: number; ciphertextLength: number; shareSize: number }
}
interface RsVector {
  k: number
  n: number
  data: Input
  encodingMatrix: string[]
  shares: string[]
  rebuildFrom: number[]
}
interface MerkleVector {
  share: Input
  leafHashes: string[]
  root: string
  proofs: Array<{ leafIndex: number; path: string[] }>
}
interface ShareKeyVector {
  root: string
  key: string
}
interface BodyVector {
  manifest: unknown
  body: string
}
interface EnvelopeVector {
  secret: string
  signedMessageSha256: string
  signature: string
  payloadLength: number
  payloadSha256: string
  nonce: string
  envelope: string
}
interface RecordVector {
  secret: string
  owner: string
  fileId: string
  revision: number
  sealed: string
  message: string
  signature: string
}
interface AuditVector {
  nonce: string
  block0: string
  leavesPerAudit: [number, number][]
  draws: Array<{ leafCount: number; count: number; indices: number[] }>
  answer: {
    share: Input
    root: string
    key: string
    leaves: number
    indices: number[]
    leafHashes: string[]
    paths: string[][]
    requestHeader: string
    answerHeader: string
  }
}
interface ExampleVector {
  recoveryText: string
  fileKey: string
  fileId: string
  plaintext: Input
  k: number
  n: number
  shareSize: number
  segment: { index: number; plaintextLength: number; ciphertextLength: number; shareSize: number }
  shares: Array<{ sha256: string; root: string; key: string }>
}

const recoveryV = vector<RecoveryVector>('recovery-text')
const keysV = vector<VaultKeysVector>('vault-keys')
const fileKeyV = vector<FileKeyVector>('file-key')
const chunksV = vector<ChunksVector>('chunks')
const layoutV = vector<LayoutRow[]>('segment-layout')
const rsV = vector<RsVector[]>('reed-solomon')
const merkleV = vector<MerkleVector>('merkle')
const shareKeyV = vector<ShareKeyVector>('share-key')
const bodyV = vector<BodyVector>('manifest-body')
const envelopeV = vector<EnvelopeVector>('manifest-envelope')
const recordV = vector<RecordVector>('record')
const tombstoneV = vector<RecordVector>('tombstone')
const exampleV = vector<ExampleVector>('example-file')
const auditV = vector<AuditVector>('audit')
/** Vectors that refer to others by words ("the envelope of the manifest-envelope vector"). */
const ENVELOPE = hex(envelopeV.envelope)
const BODY = hex(bodyV.body)
const MANIFEST = fromDiagnostic(bodyV.manifest) as FileManifest

/** Stands in for crypto.getRandomValues while `run` runs, filling each request with `fill`. */
async function withRandom<T>(fill: (target: Uint8Array) => void, run: () => Promise<T>): Promise<T> {
  const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<A extends ArrayBufferView | null>(a: A): A => {
    if (a) fill(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    return a
  })
  try {
    return await run()
  } finally {
    spy.mockRestore()
  }
}

/** The example file's segment coded by Layr, with the vector's padding instead of random bytes. */
async function layrExampleShares(): Promise<Uint8Array[]> {
  const cipher = await FileCipher.fromKey(hex(exampleV.fileKey), hex(exampleV.fileId))
  const plan = planSegments(input(exampleV.plaintext).length, exampleV.k, exampleV.shareSize)
  const spec = segmentSpec(plan, 0)
  const buffers = allocateBuffers(exampleV.k, exampleV.n, spec.shareSize)
  // Padding: byte p of the data block is (5p + 1) mod 256. The padding is a view of the data block.
  await codeSegment(cipher, createReedSolomon(exampleV.k, exampleV.n), spec, input(exampleV.plaintext), buffers, (t) =>
    t.forEach((_, i) => (t[i] = (5 * (t.byteOffset + i) + 1) % 256)),
  )
  return [...shareViews(buffers.data, spec.shareSize), ...shareViews(buffers.parity, spec.shareSize)]
}

/** The example file's segment coded from the document alone. */
function refExampleShares(): Buffer[] {
  const { k, n, shareSize } = exampleV
  const plaintext = input(exampleV.plaintext)
  const seg = segmentOf(plaintext.length, k, shareSize, 0)
  const ct = encryptSegment(fileAesKey(hex(exampleV.fileKey), hex(exampleV.fileId)), hex(exampleV.fileId), 0, plaintext)
  const block = Buffer.alloc(k * seg.shareSize)
  ct.copy(block)
  for (let p = ct.length; p < block.length; p++) block[p] = (5 * p + 1) % 256
  return rsEncode(
    Array.from({ length: k }, (_, j) => block.subarray(j * seg.shareSize, (j + 1) * seg.shareSize)),
    n,
  )
}

function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]]
  if (n < k) return []
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)]
}

afterEach(() => {
  vi.restoreAllMocks()
})

// ---------------------------------------------------------------------------------------------

describe('FORMAT.md itself', () => {
  it('has a constants table and exactly the vectors this test checks', () => {
    expect(CONSTANTS.size).toBeGreaterThanOrEqual(30)
    expect([...VECTORS.keys()].sort()).toEqual(
      [
        'recovery-text',
        'vault-keys',
        'file-key',
        'chunks',
        'segment-layout',
        'reed-solomon',
        'merkle',
        'share-key',
        'manifest-body',
        'manifest-envelope',
        'record',
        'tombstone',
        'example-file',
        'share-auth',
        'audit',
        'delegation',
      ].sort(),
    )
  })

  it("lists the values of Layr's exported constants", () => {
    expect(C.num('CHUNK_SIZE')).toBe(CHUNK_SIZE)
    expect(C.num('TAG_SIZE')).toBe(TAG_SIZE)
    expect(C.num('LEAF_SIZE')).toBe(LEAF_SIZE)
    expect(C.num('DEFAULT_SHARE_SIZE')).toBe(DEFAULT_SHARE_SIZE)
    expect(C.num('MAX_SHARE_SIZE')).toBe(MAX_SHARE_SIZE)
    expect(C.num('GF_POLYNOMIAL')).toBe(GF_POLYNOMIAL)
    expect(C.num('MANIFEST_VERSION')).toBe(MANIFEST_VERSION)
    expect(C.str('RECOVERY_PREFIX')).toBe(RECOVERY_PREFIX)
    expect(C.str('BASE32_ALPHABET')).toBe(CROCKFORD_ALPHABET)
    expect(C.num('TOMBSTONE_REVISION')).toBe(Number.MAX_SAFE_INTEGER)
  })
})

describe('§3 recovery text', () => {
  const secret = hex(recoveryV.secret)

  it('Layr encodes and parses the vector', () => {
    expect(encodeRecoveryText(secret)).toBe(recoveryV.text)
    expect(hexOf(parseRecoveryText(recoveryV.text))).toBe(recoveryV.secret)
    for (const t of recoveryV.alsoAccepted) expect(hexOf(parseRecoveryText(t))).toBe(recoveryV.secret)
    for (const t of recoveryV.rejected) expect(() => parseRecoveryText(t), t).toThrow(RecoveryTextError)
  })

  it('the independent implementation encodes and parses the vector', () => {
    expect(recoveryChecksum(secret).toString('hex')).toBe(recoveryV.checksum)
    expect(recoveryText(secret)).toBe(recoveryV.text)
    expect(parseRecovery(recoveryV.text).toString('hex')).toBe(recoveryV.secret)
    for (const t of recoveryV.alsoAccepted) expect(parseRecovery(t).toString('hex')).toBe(recoveryV.secret)
    for (const t of recoveryV.rejected) expect(() => parseRecovery(t), t).toThrow()
  })
})

describe('§4 vault keys', () => {
  const secret = hex(keysV.secret)

  it('Layr derives the vector', async () => {
    const vault = await Vault.fromSecret(secret)
    expect(vault.ownerId).toBe(keysV.ownerPublicKey)
    expect(hexOf(await vault.deriveBytes(C.str('KEY_ID_PURPOSE'), 8))).toBe(keysV.manifestKeyId)
    expect(hexOf(recordsKey(vault.ownerPublicKey))).toBe(keysV.recordsKey)
    // The seed and the keys are not extractable: check what they do against the vector's bytes.
    const message = Buffer.from('vault key check')
    expect(hexOf(vault.sign(message))).toBe(edSign(hex(keysV.signingSeed), message).toString('hex'))
    const iv = new Uint8Array(12)
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, vault.manifestKey, message))
    expect(hexOf(sealed)).toBe(gcmSeal(hex(keysV.manifestKey), iv, new Uint8Array(0), message).toString('hex'))
    const wrapped = wrapFileKey(hex(keysV.wrapKey), iv, hex(fileKeyV.fileId), hex(fileKeyV.fileKey))
    expect(hexOf(await vault.unwrapFileKey(wrapped, hex(fileKeyV.fileId)))).toBe(fileKeyV.fileKey)
  })

  it('the independent implementation derives the vector', () => {
    const keys = vaultKeys(secret)
    expect({
      signingSeed: keys.signingSeed.toString('hex'),
      ownerPublicKey: keys.ownerPublicKey.toString('hex'),
      manifestKey: keys.manifestKey.toString('hex'),
      wrapKey: keys.wrapKey.toString('hex'),
      manifestKeyId: keys.manifestKeyId.toString('hex'),
      recordsKey: keys.recordsKey.toString('hex'),
    }).toEqual({ ...keysV, secret: undefined })
  })
})

describe('§5 file key', () => {
  const fileKey = hex(fileKeyV.fileKey)
  const fileId = hex(fileKeyV.fileId)

  it('Layr derives the commitment, wraps with the given nonce and unwraps the vector', async () => {
    expect(hexOf((await FileCipher.fromKey(fileKey, fileId)).commitment)).toBe(fileKeyV.keyCommitment)
    const vault = await Vault.fromSecret(hex(keysV.secret))
    const nonce = hex(fileKeyV.wrapNonce)
    const wrapped = await withRandom(
      (t) => t.set(nonce),
      () => vault.wrapFileKey(fileKey, fileId),
    )
    expect(hexOf(wrapped)).toBe(fileKeyV.wrappedKey)
    expect(hexOf(await vault.unwrapFileKey(hex(fileKeyV.wrappedKey), fileId))).toBe(fileKeyV.fileKey)
  })

  it('the independent implementation derives, wraps and unwraps the vector', () => {
    expect(fileKeyV.wrapKey).toBe(vaultKeys(hex(keysV.secret)).wrapKey.toString('hex'))
    expect(fileAesKey(fileKey, fileId).toString('hex')).toBe(fileKeyV.aesKey)
    expect(fileCommitment(fileKey, fileId).toString('hex')).toBe(fileKeyV.keyCommitment)
    const wrapped = wrapFileKey(hex(fileKeyV.wrapKey), hex(fileKeyV.wrapNonce), fileId, fileKey)
    expect(wrapped.toString('hex')).toBe(fileKeyV.wrappedKey)
    expect(unwrapFileKey(hex(fileKeyV.wrapKey), fileId, wrapped).toString('hex')).toBe(fileKeyV.fileKey)
  })
})

describe('§6 chunk encryption', () => {
  const fileId = hex(chunksV.fileId)

  function expectSegment(s: ChunksVector['segments'][number], ct: Uint8Array): void {
    const c = Buffer.from(ct)
    if (s.ciphertext !== undefined) expect(c.toString('hex')).toBe(s.ciphertext)
    if (s.ciphertextLength !== undefined) expect(c.length).toBe(s.ciphertextLength)
    if (s.ciphertextSha256 !== undefined) expect(sha256(c).toString('hex')).toBe(s.ciphertextSha256)
    s.chunks.forEach((chunk, j) => {
      const bytes = c.subarray(j * C.num('CHUNK_SIZE'), (j + 1) * C.num('CHUNK_SIZE'))
      if (chunk.tag !== undefined) expect(bytes.subarray(bytes.length - 16).toString('hex')).toBe(chunk.tag)
      if (chunk.ciphertext !== undefined) expect(bytes.toString('hex')).toBe(chunk.ciphertext)
    })
    expect(s.chunks.length).toBe(Math.max(1, Math.ceil(c.length / C.num('CHUNK_SIZE'))))
  }

  it('Layr encrypts and decrypts the vector', async () => {
    expect(chunksV.fileKey).toBe(fileKeyV.fileKey)
    const cipher = await FileCipher.fromKey(hex(chunksV.fileKey), fileId)
    for (const s of chunksV.segments) {
      const ct = await cipher.encryptSegment(s.segment, input(s.plaintext))
      expectSegment(s, ct)
      expect(Buffer.from(await cipher.decryptSegment(s.segment, ct)).equals(input(s.plaintext))).toBe(true)
    }
  })

  it('the independent implementation builds the nonces and associated data, and encrypts and decrypts the vector', () => {
    const aesKey = hex(chunksV.aesKey)
    expect(chunksV.aesKey).toBe(fileAesKey(hex(chunksV.fileKey), fileId).toString('hex'))
    for (const s of chunksV.segments) {
      s.chunks.forEach((chunk, j) => {
        expect(chunkNonce(s.segment, j).toString('hex')).toBe(chunk.nonce)
        expect(chunkAd(fileId, s.segment, j === s.chunks.length - 1).toString('hex')).toBe(chunk.ad)
      })
      const ct = encryptSegment(aesKey, fileId, s.segment, input(s.plaintext))
      expectSegment(s, ct)
      expect(decryptSegment(aesKey, fileId, s.segment, ct).equals(input(s.plaintext))).toBe(true)
      expect(() => decryptSegment(aesKey, fileId, s.segment + 1, ct)).toThrow()
    }
  })
})

describe('§7 segments and share sizes', () => {
  it('Layr plans the vector', () => {
    for (const row of layoutV) {
      const plan = planSegments(row.fileSize, row.k, row.shareSize)
      const last = segmentSpec(plan, plan.count - 1)
      expect({ segmentSize: plan.segmentSize, count: plan.count }, JSON.stringify(row)).toEqual({ segmentSize: row.segmentSize, count: row.count })
      const { offset, plaintextLength, ciphertextLength: ct, shareSize } = last
      expect({ offset, plaintextLength, ciphertextLength: ct, shareSize }, JSON.stringify(row)).toEqual(row.last)
    }
  })

  it('the independent implementation plans the vector', () => {
    for (const row of layoutV) {
      expect(segmentPlan(row.fileSize, row.k, row.shareSize), JSON.stringify(row)).toEqual({ segmentSize: row.segmentSize, count: row.count })
      expect(segmentOf(row.fileSize, row.k, row.shareSize, row.count - 1), JSON.stringify(row)).toEqual(row.last)
    }
  })
})

describe('§8 Reed-Solomon', () => {
  const split = (data: Buffer, k: number): Buffer[] => Array.from({ length: k }, (_, j) => data.subarray((j * data.length) / k, ((j + 1) * data.length) / k))

  it('Layr codes and rebuilds the vector', () => {
    for (const v of rsV) {
      expect(encodingMatrix(v.k, v.n).map(hexOf)).toEqual(v.encodingMatrix)
      const rs = createReedSolomon(v.k, v.n)
      const shares = rs.encode(input(v.data))
      expect(shares.map(hexOf)).toEqual(v.shares)
      const partial = v.shares.map((s, i) => (v.rebuildFrom.includes(i) ? new Uint8Array(hex(s)) : undefined))
      expect(hexOf(rs.reconstruct(partial))).toBe(input(v.data).toString('hex'))
    }
  })

  it('the independent implementation codes and rebuilds the vector', () => {
    for (const v of rsV) {
      const matrix = rsMatrix(v.k, v.n).map((row) => Buffer.from(row).toString('hex'))
      expect(matrix).toEqual(v.encodingMatrix)
      expect(rsEncode(split(input(v.data), v.k), v.n).map((s) => s.toString('hex'))).toEqual(v.shares)
      const given = new Map(v.rebuildFrom.map((i) => [i, hex(v.shares[i] as string)] as const))
      expect(cat(...rsDecode(given, v.k, v.n)).toString('hex')).toBe(input(v.data).toString('hex'))
    }
  })
})

describe('§9 Merkle tree', () => {
  const share = input(merkleV.share)
  const leafCount = share.length / 65536

  it('Layr hashes the vector and its proofs verify', async () => {
    for (let i = 0; i < leafCount; i++) {
      expect(hexOf(await merkleRoot(share.subarray(i * 65536, (i + 1) * 65536)))).toBe(merkleV.leafHashes[i])
    }
    const tree = await merkleTree(share)
    expect(hexOf(tree.root)).toBe(merkleV.root)
    for (const p of merkleV.proofs) {
      expect(tree.proof(p.leafIndex).map(hexOf)).toEqual(p.path)
      const leaf = share.subarray(p.leafIndex * 65536, (p.leafIndex + 1) * 65536)
      expect(await verifyLeaf(hex(merkleV.root), leafCount, { leafIndex: p.leafIndex, leaf, path: p.path.map(hex) })).toBe(true)
    }
  })

  it('the independent implementation hashes the vector and verifies its proofs', () => {
    const levels = merkleLevels(share)
    expect((levels[0] as Buffer[]).map((h) => h.toString('hex'))).toEqual(merkleV.leafHashes)
    expect(refMerkleRoot(share).toString('hex')).toBe(merkleV.root)
    for (const p of merkleV.proofs) {
      expect(merklePath(share, p.leafIndex).map((h) => h.toString('hex'))).toEqual(p.path)
      const leaf = share.subarray(p.leafIndex * 65536, (p.leafIndex + 1) * 65536)
      expect(merkleVerify(hex(merkleV.root), leafCount, p.leafIndex, leaf, p.path.map(hex))).toBe(true)
      expect(merkleVerify(hex(merkleV.root), leafCount, (p.leafIndex + 1) % leafCount, leaf, p.path.map(hex))).toBe(false)
    }
  })
})

describe('§10 share key', () => {
  it('Layr derives the vector', async () => {
    expect(shareKeyV.root).toBe(merkleV.root)
    expect(hexOf(await shareKey(hex(shareKeyV.root)))).toBe(shareKeyV.key)
  })

  it('the independent implementation derives the vector', () => {
    expect(refShareKey(hex(shareKeyV.root)).toString('hex')).toBe(shareKeyV.key)
  })
})

describe('§11 manifest body', () => {
  it('Layr encodes the vector and decodes it back', () => {
    expect(hexOf(encodeManifest(MANIFEST))).toBe(bodyV.body)
    expect(decodeManifest(BODY)).toEqual(MANIFEST)
  })

  it('the independent implementation encodes the vector and decodes it back', () => {
    expect(cborEncode(MANIFEST as unknown as Cbor).toString('hex')).toBe(bodyV.body)
    expect(cborDecode(BODY)).toEqual(MANIFEST)
    // The decoder holds Layr to the deterministic rules: keys out of order, or a long integer form, fail.
    expect(() => cborDecode(hex('a2616e0361 6b02'.replace(/ /g, '')))).toThrow(/out of order/)
    expect(() => cborDecode(hex('a1616b1802'))).toThrow(/shortest/)
  })
})

describe('§12 manifest envelope', () => {
  const keys = vaultKeys(hex(envelopeV.secret))

  it('Layr seals the vector with its nonce, and opens it', async () => {
    const vault = await Vault.fromSecret(hex(envelopeV.secret))
    expect(hexOf(vault.sign(cat(C.bytes('MANIFEST_SIGN_CONTEXT'), BODY)))).toBe(envelopeV.signature)
    expect(hexOf(await sealManifest(MANIFEST, vault, { nonce: hex(envelopeV.nonce) }))).toBe(envelopeV.envelope)
    expect(await openManifest(ENVELOPE, vault)).toEqual(MANIFEST)
  })

  it('the independent implementation seals the vector, and opens it', () => {
    expect(sha256(C.bytes('MANIFEST_SIGN_CONTEXT'), BODY).toString('hex')).toBe(envelopeV.signedMessageSha256)
    const sealed = sealEnvelope(keys, BODY, hex(envelopeV.nonce))
    expect(sealed.sig.toString('hex')).toBe(envelopeV.signature)
    expect(sealed.payload.length).toBe(envelopeV.payloadLength)
    expect(sha256(sealed.payload).toString('hex')).toBe(envelopeV.payloadSha256)
    expect(sealed.envelope.toString('hex')).toBe(envelopeV.envelope)
    const opened = openEnvelope(keys, ENVELOPE)
    expect(Buffer.from(opened.body).equals(BODY)).toBe(true)
    expect(opened.manifest).toEqual(MANIFEST)
    expect(() => openEnvelope(vaultKeys(Buffer.alloc(32)), ENVELOPE)).toThrow(/another vault/)
  })
})

describe('§13 records and tombstones', () => {
  const cases = [
    ['record', recordV],
    ['tombstone', tombstoneV],
  ] as const
  const sealedOf = (v: RecordVector): Buffer => (v === recordV ? ENVELOPE : hex(v.sealed))

  it.each(cases)('Layr signs and verifies the %s vector', async (_, v) => {
    const vault = await Vault.fromSecret(hex(v.secret))
    const sealed = sealedOf(v)
    expect(hexOf(recordMessage(hex(v.owner), hex(v.fileId), v.revision, sealed))).toBe(v.message)
    const record = signRecord(vault, hex(v.fileId), v.revision, sealed)
    expect(hexOf(record.owner)).toBe(v.owner)
    expect(hexOf(record.signature)).toBe(v.signature)
    expect(verifyRecord(record)).toBe(true)
    expect(verifyRecord({ ...record, revision: v.revision - 1 })).toBe(false)
  })

  it.each(cases)('the independent implementation signs and verifies the %s vector', (_, v) => {
    const keys = vaultKeys(hex(v.secret))
    expect(keys.ownerPublicKey.toString('hex')).toBe(v.owner)
    const message = refRecordMessage(keys.ownerPublicKey, hex(v.fileId), v.revision, sealedOf(v))
    expect(message.toString('hex')).toBe(v.message)
    expect(edSign(keys.signingSeed, message).toString('hex')).toBe(v.signature)
    expect(edVerify(keys.ownerPublicKey, message, hex(v.signature))).toBe(true)
  })

  it('the tombstone is the empty record at TOMBSTONE_REVISION', () => {
    expect(tombstoneV.sealed).toBe('')
    expect(tombstoneV.revision).toBe(C.num('TOMBSTONE_REVISION'))
    expect(recordV.sealed).toMatch(/manifest-envelope vector/)
  })
})

describe('§17 the share protocol', () => {
  interface AuthVector {
    secret: string
    host: string
    key: string
    root: string
    size: number
    lease: number
    time: number
    deleteTime: number
    renewKeys: string[]
    renewMessage: string
    renewSignature: string
    storeMessage: string
    storeSignature: string
    deleteMessage: string
    deleteSignature: string
    readRecordsMessage: string
    readRecordsSignature: string
    offerAccount: string
    offerClaims: string[]
    offerRefund: string
    offerMessage: string
    offerSignature: string
    storeHeader: string
  }
  const v = vector<AuthVector>('share-auth')

  it("lists the protocol's constants", () => {
    expect(C.str('SHARE_PROTOCOL')).toBe(SHARE_PROTOCOL)
    expect(C.num('AUTH_WINDOW_MS')).toBe(AUTH_WINDOW_MS)
    expect(C.num('HEADER_LIMIT_REQUEST')).toBe(HEADER_LIMITS.request)
    expect(C.num('HEADER_LIMIT_OFFER')).toBe(HEADER_LIMITS.offer)
    expect(C.num('MAX_OFFER_CLAIMS')).toBe(MAX_OFFER_CLAIMS)
    expect(C.num('MAX_OFFER_XDR')).toBe(MAX_OFFER_XDR)
    expect(C.num('MAX_RENEW_KEYS')).toBe(MAX_RENEW_KEYS)
    expect(C.num('HOST_MAX_LEASE_MS')).toBe(HOST_MAX_LEASE_MS)
  })

  it('Layr builds and signs the store, delete and read messages, and the store header', async () => {
    const vault = await Vault.fromSecret(hex(v.secret))
    expect(hexOf(storeMessage(hex(v.key), v.size, v.lease, v.time, v.host))).toBe(v.storeMessage)
    expect(hexOf(renewMessage(v.renewKeys.map(hex), v.lease, v.time, v.host))).toBe(v.renewMessage)
    expect(hexOf(vault.sign(hex(v.renewMessage)))).toBe(v.renewSignature)
    expect(hexOf(deleteMessage(hex(v.key), v.deleteTime, v.host))).toBe(v.deleteMessage)
    expect(hexOf(readRecordsMessage(vault.ownerPublicKey, v.time, v.host))).toBe(v.readRecordsMessage)
    expect(hexOf(vault.sign(hex(v.storeMessage)))).toBe(v.storeSignature)
    expect(hexOf(vault.sign(hex(v.deleteMessage)))).toBe(v.deleteSignature)
    expect(hexOf(vault.sign(hex(v.readRecordsMessage)))).toBe(v.readRecordsSignature)
    const offer = { account: v.offerAccount, claims: v.offerClaims, refund: v.offerRefund }
    expect(hexOf(offerMessage(offer, v.time, v.host))).toBe(v.offerMessage)
    expect(hexOf(signOffer(vault, offer, v.host, v.time).signature)).toBe(v.offerSignature)
    const head = encodeRequest({
      type: 'store',
      key: hex(v.key),
      root: hex(v.root),
      lease: v.lease,
      owner: vault.ownerPublicKey,
      time: v.time,
      signature: hex(v.storeSignature),
      bytes: new Uint8Array(v.size),
    }).head
    expect(hexOf(head)).toBe(v.storeHeader)
    expect(decodeRequestHead(hex(v.storeHeader))).toMatchObject({ type: 'store', body: v.size, time: v.time, lease: v.lease })
  })

  it('the independent implementation builds the same messages, signatures and header', () => {
    const keys = vaultKeys(hex(v.secret))
    const host = Buffer.from(v.host, 'utf8')
    const store = cat(C.bytes('STORE_CONTEXT'), hex(v.key), u64be(v.size), u64be(v.lease), u64be(v.time), host)
    const renew = cat(
      C.bytes('RENEW_CONTEXT'),
      createHash('sha256')
        .update(cat(...v.renewKeys.map(hex)))
        .digest(),
      u64be(v.lease),
      u64be(v.time),
      host,
    )
    expect(renew.toString('hex')).toBe(v.renewMessage)
    expect(edSign(keys.signingSeed, renew).toString('hex')).toBe(v.renewSignature)
    const del = cat(C.bytes('DELETE_CONTEXT'), hex(v.key), u64be(v.deleteTime), host)
    const read = cat(C.bytes('READ_RECORDS_CONTEXT'), keys.ownerPublicKey, u64be(v.time), host)
    expect([store, del, read].map((b) => b.toString('hex'))).toEqual([v.storeMessage, v.deleteMessage, v.readRecordsMessage])
    expect(edSign(keys.signingSeed, store).toString('hex')).toBe(v.storeSignature)
    expect(edSign(keys.signingSeed, del).toString('hex')).toBe(v.deleteSignature)
    expect(edSign(keys.signingSeed, read).toString('hex')).toBe(v.readRecordsSignature)
    const terms = createHash('sha256')
      .update(cborEncode({ account: v.offerAccount, claims: v.offerClaims, refund: v.offerRefund }))
      .digest()
    const offer = cat(C.bytes('OFFER_CONTEXT'), terms, u64be(v.time), host)
    expect(offer.toString('hex')).toBe(v.offerMessage)
    expect(edSign(keys.signingSeed, offer).toString('hex')).toBe(v.offerSignature)
    const header = cborEncode({
      type: 'store',
      key: hex(v.key),
      root: hex(v.root),
      lease: v.lease,
      owner: keys.ownerPublicKey,
      time: v.time,
      signature: hex(v.storeSignature),
      body: v.size,
    })
    expect(header.toString('hex')).toBe(v.storeHeader)
  })
})

describe('§17 repair delegation', () => {
  interface DelegationVector {
    secret: string
    delegateSeed: string
    delegate: string
    fileId: string
    expires: number
    scopeAll: string
    scopeFiles: string
    delegationMessage: string
    delegationSignature: string
    delegatedStoreMessage: string
    delegatedStoreSignature: string
    delegatedStoreHeader: string
  }
  const d = vector<DelegationVector>('delegation')
  const a = vector<{ key: string; root: string; size: number; lease: number; time: number; host: string }>('share-auth')

  it("lists the delegation's constants", () => {
    expect(C.num('MAX_DELEGATION_MS')).toBe(MAX_DELEGATION_MS)
    expect(C.num('MAX_CAPABILITY_BYTES')).toBe(MAX_CAPABILITY_BYTES)
  })

  it('Layr builds and signs the delegation, the delegated store and its header', async () => {
    const vault = await Vault.fromSecret(hex(d.secret))
    expect(hexOf(delegatePublicKey(hex(d.delegateSeed)))).toBe(d.delegate)
    expect(hexOf(scopeDigest('all'))).toBe(d.scopeAll)
    expect(hexOf(scopeDigest([hex(d.fileId)]))).toBe(d.scopeFiles)
    const delegation = signDelegation(vault, hex(d.delegate), [hex(d.fileId)], d.expires)
    expect(hexOf(delegationMessage(vault.ownerPublicKey, hex(d.delegate), d.expires, delegation.scope))).toBe(d.delegationMessage)
    expect(hexOf(delegation.signature)).toBe(d.delegationSignature)
    const inner = storeMessage(hex(a.key), a.size, a.lease, a.time, a.host)
    expect(hexOf(delegatedMessage(vault.ownerPublicKey, delegation, inner))).toBe(d.delegatedStoreMessage)
    const signed = delegateStoreSigner({ owner: vault.ownerPublicKey, seed: hex(d.delegateSeed), delegation })(hex(a.key), a.size, a.host, {
      lease: a.lease,
      now: a.time,
    })
    expect(hexOf(signed.signature)).toBe(d.delegatedStoreSignature)
    const head = encodeRequest({ type: 'store', key: hex(a.key), root: hex(a.root), ...signed, bytes: new Uint8Array(a.size) }).head
    expect(hexOf(head)).toBe(d.delegatedStoreHeader)
    expect(decodeRequestHead(hex(d.delegatedStoreHeader))).toMatchObject({ type: 'store', delegation: { expires: d.expires } })
  })

  it('the independent implementation builds the same messages, signatures and header', () => {
    const keys = vaultKeys(hex(d.secret))
    const scopeCtx = C.bytes('DELEGATION_SCOPE_CONTEXT')
    const sha = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest()
    expect(sha(cat(scopeCtx, Buffer.of(0))).toString('hex')).toBe(d.scopeAll)
    const scope = sha(cat(scopeCtx, Buffer.of(1), hex(d.fileId)))
    expect(scope.toString('hex')).toBe(d.scopeFiles)
    expect(edPublic(hex(d.delegateSeed)).toString('hex')).toBe(d.delegate)
    const msg = cat(C.bytes('DELEGATION_CONTEXT'), keys.ownerPublicKey, hex(d.delegate), u64be(d.expires), scope)
    expect(msg.toString('hex')).toBe(d.delegationMessage)
    const sig = edSign(keys.signingSeed, msg)
    expect(sig.toString('hex')).toBe(d.delegationSignature)
    const store = cat(C.bytes('STORE_CONTEXT'), hex(a.key), u64be(a.size), u64be(a.lease), u64be(a.time), Buffer.from(a.host, 'utf8'))
    const delegated = cat(C.bytes('DELEGATED_CONTEXT'), sha(msg), store)
    expect(delegated.toString('hex')).toBe(d.delegatedStoreMessage)
    const dsig = edSign(hex(d.delegateSeed), delegated)
    expect(dsig.toString('hex')).toBe(d.delegatedStoreSignature)
    expect(edVerify(keys.ownerPublicKey, msg, sig)).toBe(true)
    const header = cborEncode({
      type: 'store',
      key: hex(a.key),
      root: hex(a.root),
      lease: a.lease,
      owner: keys.ownerPublicKey,
      time: a.time,
      signature: dsig,
      body: a.size,
      delegation: { delegate: hex(d.delegate), expires: d.expires, scope, signature: sig },
    })
    expect(header.toString('hex')).toBe(d.delegatedStoreHeader)
  })
})

describe('§18 audits', () => {
  const v = auditV.answer
  const share = input(v.share)
  const m = share.length / 65536
  const nonce = hex(auditV.nonce)
  const body = Buffer.concat(v.indices.map((x) => share.subarray(x * 65536, (x + 1) * 65536)))

  it("lists the audit constants: Layr's, and the path limit its codec holds to", () => {
    expect(C.num('AUDIT_NONCE_SIZE')).toBe(NONCE_SIZE)
    expect(C.num('MAX_AUDIT_LEAVES')).toBe(MAX_AUDIT_LEAVES)
    expect(1 / C.num('AUDIT_DIVISOR')).toBe(AUDIT_FRACTION)
    expect(C.num('AUDIT_DEADLINE_MS')).toBe(AUDIT_DEADLINE_MS)
    const answer = (hashes: number): Uint8Array => cborEncode({ status: 'ok', paths: [Array.from({ length: hashes }, () => new Uint8Array(32))], body: 65536 })
    expect(decodeResponseHead(answer(C.num('MAX_AUDIT_PATH')), 65536)).toMatchObject({ status: 'ok' })
    expect(() => decodeResponseHead(answer(C.num('MAX_AUDIT_PATH') + 1), 65536)).toThrow(/at most 16 hashes/)
  })

  it('Layr draws the vector, asks for its leaf counts, answers and checks the audit, and builds its headers', async () => {
    expect(auditV.leavesPerAudit.map(([leafCount]) => [leafCount, leavesPerAudit(leafCount)])).toEqual(auditV.leavesPerAudit)
    for (const d of auditV.draws) expect(auditIndices(nonce, d.leafCount, d.count), `${d.count} of ${d.leafCount}`).toEqual(d.indices)
    const tree = await merkleTree(share)
    expect(hexOf(tree.root)).toBe(v.root)
    expect(hexOf(await shareKey(tree.root))).toBe(v.key)
    expect(leavesPerAudit(m)).toBe(v.leaves)
    const answer = answerAudit(share, tree, nonce, v.leaves)
    expect(auditIndices(nonce, m, v.leaves)).toEqual(v.indices)
    expect(answer.leaves.map((l) => sha256(l).toString('hex'))).toEqual(v.leafHashes)
    expect(answer.paths.map((p) => p.map(hexOf))).toEqual(v.paths)
    expect(await checkAudit(tree.root, share.length, nonce, v.leaves, answer)).toBe(true)
    expect(await checkAudit(tree.root, share.length, nonce, v.leaves, { leaves: [...answer.leaves].reverse(), paths: [...answer.paths].reverse() })).toBe(false)
    const req = { type: 'audit', key: hex(v.key), nonce, leaves: v.leaves } as const
    expect(hexOf(encodeRequest(req).head)).toBe(v.requestHeader)
    expect(decodeRequestHead(hex(v.requestHeader))).toEqual({ ...req, key: new Uint8Array(req.key), nonce: new Uint8Array(nonce) })
    const res = encodeResponse({ status: 'ok', bytes: body, paths: answer.paths })
    expect(hexOf(res.head)).toBe(v.answerHeader)
    expect(decodeResponseHead(hex(v.answerHeader), v.leaves * 65536)).toEqual({
      status: 'ok',
      paths: v.paths.map((p) => p.map(hex).map((b) => new Uint8Array(b))),
      body: body.length,
    })
  })

  it('the independent implementation draws the same, and builds and checks the same answer', () => {
    expect(auditBlock(nonce, 0).toString('hex')).toBe(auditV.block0)
    expect(auditV.leavesPerAudit.map(([leafCount]) => [leafCount, refLeavesPerAudit(leafCount)])).toEqual(auditV.leavesPerAudit)
    for (const d of auditV.draws) expect(refAuditIndices(nonce, d.leafCount, d.count), `${d.count} of ${d.leafCount}`).toEqual(d.indices)
    expect(refMerkleRoot(share).toString('hex')).toBe(v.root)
    expect(refShareKey(hex(v.root)).toString('hex')).toBe(v.key)
    expect(refLeavesPerAudit(m)).toBe(v.leaves)
    expect(refAuditIndices(nonce, m, v.leaves)).toEqual(v.indices)
    expect(v.indices.map((x) => sha256(share.subarray(x * 65536, (x + 1) * 65536)).toString('hex'))).toEqual(v.leafHashes)
    const paths = v.indices.map((x) => merklePath(share, x))
    expect(paths.map((p) => p.map((h) => h.toString('hex')))).toEqual(v.paths)
    expect(cborEncode({ type: 'audit', key: hex(v.key), nonce, leaves: v.leaves }).toString('hex')).toBe(v.requestHeader)
    expect(cborEncode({ status: 'ok', paths, body: body.length }).toString('hex')).toBe(v.answerHeader)
    // The owner's check: the answer passes; in the other order, one leaf short, or for another nonce, it does not.
    const root = hex(v.root)
    expect(refCheckAudit(root, m, nonce, v.leaves, paths, body)).toBe(true)
    const swapped = Buffer.concat([body.subarray(65536), body.subarray(0, 65536)])
    expect(refCheckAudit(root, m, nonce, v.leaves, [...paths].reverse(), swapped)).toBe(false)
    expect(refCheckAudit(root, m, nonce, v.leaves, paths.slice(0, 1), body.subarray(0, 65536))).toBe(false)
    expect(refCheckAudit(root, m, hex(auditV.block0), v.leaves, paths, body)).toBe(false)
  })
})

describe('§15 the example file', () => {
  const plaintext = input(exampleV.plaintext)
  const entry = MANIFEST.segments[0]

  it("is the file the manifest vector describes, sealed in the envelope vector's envelope", () => {
    expect(exampleV.recoveryText).toBe(recoveryV.text)
    expect(MANIFEST.size).toBe(plaintext.length)
    expect(hexOf(MANIFEST.fileId)).toBe(exampleV.fileId)
    expect({ k: MANIFEST.codec.k, n: MANIFEST.codec.n, shareSize: MANIFEST.codec.shareSize }).toEqual({
      k: exampleV.k,
      n: exampleV.n,
      shareSize: exampleV.shareSize,
    })
    expect(MANIFEST.segments.length).toBe(1)
    const { index, plaintextLength, ciphertextLength: ct, shareSize } = entry!
    expect({ index, plaintextLength, ciphertextLength: ct, shareSize }).toEqual(exampleV.segment)
    expect(entry!.shares.map((s) => ({ root: hexOf(s.root), key: hexOf(s.key) }))).toEqual(exampleV.shares.map(({ root, key }) => ({ root, key })))
  })

  it("Layr codes the example's shares, and restores the file from any k of them", async () => {
    const shares = await layrExampleShares()
    const got = []
    for (const s of shares) {
      const root = await merkleRoot(s)
      got.push({ sha256: sha256(s).toString('hex'), root: hexOf(root), key: hexOf(await shareKey(root)) })
    }
    expect(got).toEqual(exampleV.shares)
    const vault = await Vault.fromRecoveryText(exampleV.recoveryText)
    const manifest = await openManifest(ENVELOPE, vault)
    for (const set of subsets(exampleV.n, exampleV.k)) {
      const fetch: FetchShare = async (ref) => (set.includes(ref.shareIndex) ? (shares[ref.shareIndex] as Uint8Array).slice() : undefined)
      expect(Buffer.from(await decodeAll(manifest, vault, fetch)).equals(plaintext), String(set)).toBe(true)
    }
  })

  it('the independent implementation codes the same shares, and restores the file from any k of them', () => {
    const shares = refExampleShares()
    const got = shares.map((s) => {
      const root = refMerkleRoot(s)
      return { sha256: sha256(s).toString('hex'), root: root.toString('hex'), key: refShareKey(root).toString('hex') }
    })
    expect(got).toEqual(exampleV.shares)
    for (const set of subsets(exampleV.n, exampleV.k)) {
      const file = restore(exampleV.recoveryText, ENVELOPE, (_, i) => (set.includes(i) ? shares[i] : undefined))
      expect(file.equals(plaintext), String(set)).toBe(true)
    }
    // A share that fails its root is skipped: with only one good share left, there is no file.
    const bad = Buffer.from(shares[1] as Buffer)
    bad[0] = (bad[0] as number) ^ 1
    expect(() => restore(exampleV.recoveryText, ENVELOPE, (_, i) => (i === 0 ? shares[0] : i === 1 ? bad : undefined))).toThrow()
  })
})

describe('interoperability beyond the vectors', () => {
  it('the independent implementation restores files Layr encodes, from k shares per segment', async () => {
    const vault = await Vault.fromSecret(new Uint8Array(randomBytes(32)))
    for (const [size, k, n] of [
      [300_000, 3, 5],
      [0, 2, 3],
      [70_000, 1, 2],
    ] as const) {
      const file = new Uint8Array(randomBytes(size))
      const { manifest, segments } = await encodeAll(new Blob([file]), { k, n, repairThreshold: n }, vault, { shareSize: 65536 })
      const sealed = await sealManifest(manifest, vault)
      const record = signRecord(vault, manifest.fileId, manifest.revision, sealed)
      expect(edVerify(record.owner, refRecordMessage(record.owner, record.fileId, record.revision, sealed), record.signature)).toBe(true)
      // Each segment loses a different set of n - k shares.
      const got = restore(vault.toRecoveryText(), sealed, (s, i) => {
        const lost = Array.from({ length: n - k }, (_, j) => (s + j) % n)
        return lost.includes(i) ? undefined : segments[s]?.shares[i]?.bytes
      })
      expect(got.equals(file), `size ${size}, k ${k}, n ${n}`).toBe(true)
    }
  })

  it('Layr restores a file the independent implementation encoded and sealed', async () => {
    const secret = randomBytes(32)
    const keys = vaultKeys(secret)
    const [k, n, shareSize] = [3, 4, 65536]
    const file = randomBytes(250_000)
    const fileId = randomBytes(16)
    const fileKey = randomBytes(32)
    const aesKey = fileAesKey(fileKey, fileId)
    const { segmentSize, count } = segmentPlan(file.length, k, shareSize)
    const shares: Buffer[][] = []
    const segments: Cbor[] = []
    for (let i = 0; i < count; i++) {
      const seg = segmentOf(file.length, k, shareSize, i)
      const ct = encryptSegment(aesKey, fileId, i, file.subarray(seg.offset, seg.offset + seg.plaintextLength))
      const block = cat(ct, randomBytes(k * seg.shareSize - ct.length))
      const coded = rsEncode(
        Array.from({ length: k }, (_, j) => block.subarray(j * seg.shareSize, (j + 1) * seg.shareSize)),
        n,
      )
      shares.push(coded)
      segments.push({
        index: i,
        plaintextLength: seg.plaintextLength,
        ciphertextLength: seg.ciphertextLength,
        shareSize: seg.shareSize,
        shares: coded.map((s, j) => ({ index: j, key: refShareKey(refMerkleRoot(s)), root: refMerkleRoot(s), holders: [], contracts: [] })),
      })
    }
    const body = cborEncode({
      version: C.num('MANIFEST_VERSION'),
      fileId,
      owner: keys.ownerPublicKey,
      revision: 0,
      name: 'from the spec',
      size: file.length,
      type: '',
      createdAt: 1_764_547_200_000,
      codec: {
        cipher: C.str('CIPHER_NAME'),
        chunkSize: C.num('CHUNK_SIZE'),
        erasure: C.str('ERASURE_NAME'),
        k,
        n,
        repairThreshold: n,
        shareSize,
        segmentSize,
        leafSize: C.num('LEAF_SIZE'),
      },
      wrappedKey: wrapFileKey(keys.wrapKey, randomBytes(12), fileId, fileKey),
      keyCommitment: fileCommitment(fileKey, fileId),
      segments,
    })
    const { envelope } = sealEnvelope(keys, body, randomBytes(12))
    const vault = await Vault.fromRecoveryText(recoveryText(secret))
    const manifest = await openManifest(envelope, vault)
    const fetch: FetchShare = async (ref) => (ref.shareIndex === ref.segmentIndex % n ? undefined : shares[ref.segmentIndex]?.[ref.shareIndex]?.slice())
    expect(Buffer.from(await decodeAll(manifest, vault, fetch)).equals(file)).toBe(true)
  })
})
