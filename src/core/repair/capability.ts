/**
 * The repair capability (Tahoe-LAFS's verify/repair cap, split from the read cap): what an owner
 * hands a host it trusts so that host can audit, rebuild and re-place the owner's shares while the
 * owner's tab is closed — and nothing more. Shares are ciphertext erasure-coded *after*
 * encryption (FORMAT §6–§8), so rebuilding a share takes k others and no key.
 *
 * It carries, per file: the file id, the revision it was made from, k/n/r, and each segment's
 * share size and shares (index, key, Merkle root, holders). It carries no vault secret, no
 * manifest key, no wrap key, no wrapped file key, no key commitment, no name or type, and not the
 * owner's signing key. In their place it carries a fresh **delegate** Ed25519 key pair the owner
 * made for this grant, and the owner's signed **delegation** of that key:
 *
 *   delegation message = "layr/v2/delegation" ‖ 0x00 ‖ owner (32) ‖ delegate (32) ‖ u64be(expires) ‖ scope (32)
 *   scope              = SHA-256("layr/v2/delegation-scope" ‖ 0x00 ‖ 0x00)                       every file
 *                      | SHA-256("layr/v2/delegation-scope" ‖ 0x00 ‖ 0x01 ‖ fileId₁ ‖ … ‖ fileIdₘ)  those files, ids sorted bytewise
 *
 * Hosts accept a store or renew signed by the delegate, with that delegation attached, as the
 * owner's (net/share/auth.ts): the claim it makes is the owner's, so the owner's own later
 * renewals and deletes work on it. A delegate signs
 *
 *   delegated message = "layr/v2/delegated" ‖ 0x00 ‖ SHA-256(delegation message) ‖ inner message
 *
 * (inner: the store or renew message of FORMAT §17), so its signature is bound to one delegation
 * and can never be read as the owner's own.
 *
 * Everything here is pure; decoding is bounded (size and item count before parsing) and every
 * fault is a typed CapabilityError.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { decode, encode } from 'cborg'
import { concat, equal, toHex, u64be, utf8 } from '../bytes.ts'
import { LayrError } from '../errors.ts'
import { MANIFEST_LIMITS, type FileManifest } from '../manifest/types.ts'
import { verifySignature, type Vault } from '../vault/index.ts'
import { HOST_MAX_LEASE_MS } from '../lease/index.ts'
import { checkCborBounds } from '../../net/share/cbor-bounds.ts'

/** A capability that cannot be read: malformed, over its limits, or not signed by its owner. */
export class CapabilityError extends LayrError {
  override readonly name = 'CapabilityError'
}

/** Why a delegation (or a message signed under it) does not count. */
export type DelegationFault =
  /** The owner's signature over the delegation does not verify. */
  | 'delegation-signature'
  /** The delegation's expiry has passed on the checker's clock. */
  | 'expired'
  /** The delegation runs longer than a host grants (MAX_DELEGATION_MS). */
  | 'too-long'
  /** The request is of a kind a repair delegation does not allow, or for a file outside its scope. */
  | 'scope'
  /** The delegate's signature over the request does not verify. */
  | 'signature'
  /** The request's time is outside the host's window. */
  | 'window'

export class DelegationRefusedError extends LayrError {
  override readonly name = 'DelegationRefusedError'
  constructor(
    readonly reason: DelegationFault,
    message: string,
  ) {
    super(message)
  }
}

export const CAPABILITY_VERSION = 1
/** The largest encoded capability (a few thousand files of a few GiB at 4-of-8 fit). */
export const MAX_CAPABILITY_BYTES = 8 * 1024 * 1024
/** Files in one capability. */
export const MAX_CAPABILITY_FILES = 4096
/** File ids a scoped delegation lists. */
export const MAX_SCOPE_FILES = MAX_CAPABILITY_FILES
/** The longest a delegation may run; hosts refuse longer ones (as they cap leases). */
export const MAX_DELEGATION_MS = HOST_MAX_LEASE_MS
/** Layr's own term for a grant: the owner's tab renews it whenever it syncs. */
export const DEFAULT_DELEGATION_MS = 30 * 24 * 3600_000
/** Shares of one segment (n ≤ 255) and segments of one file, as manifests allow. */
const MAX_SHARES = 255

const DELEGATION = utf8('layr/v2/delegation\0')
const DELEGATED = utf8('layr/v2/delegated\0')
const SCOPE = utf8('layr/v2/delegation-scope\0')

/** The owner's grant of a delegate key, as it travels on the wire (the scope only as its digest). */
export interface Delegation {
  /** The delegate's Ed25519 public key. */
  readonly delegate: Uint8Array
  /** When it ends (ms since the epoch, on the host's clock). */
  readonly expires: number
  /** SHA-256 of the scope (scopeDigest). */
  readonly scope: Uint8Array
  /** The owner's Ed25519 signature over delegationMessage. */
  readonly signature: Uint8Array
}

/** 'all' files of the owner, or these file ids (16 bytes each). */
export type DelegationScope = 'all' | readonly Uint8Array[]

export interface CapabilityShare {
  readonly index: number
  readonly key: Uint8Array
  readonly root: Uint8Array
  readonly holders: readonly string[]
}

export interface CapabilitySegment {
  readonly index: number
  /** Bytes of each of its shares. */
  readonly shareSize: number
  readonly shares: readonly CapabilityShare[]
}

/** What repair needs of one file: layout and policy, never its keys, name or type. */
export interface FileLayout {
  readonly fileId: Uint8Array
  /** The manifest revision this layout was taken from. */
  readonly revision: number
  readonly k: number
  readonly n: number
  readonly repairThreshold: number
  readonly segments: readonly CapabilitySegment[]
}

export interface RepairCapability {
  readonly version: typeof CAPABILITY_VERSION
  /** The owner's public key (owner id). */
  readonly owner: Uint8Array
  /** The delegate's Ed25519 private key seed (32 bytes): what the holder signs stores and updates with. */
  readonly delegateSeed: Uint8Array
  readonly delegation: Delegation
  /** The scope the delegation's digest commits to. */
  readonly scope: DelegationScope
  readonly files: readonly FileLayout[]
}

function sortedIds(ids: readonly Uint8Array[]): Uint8Array[] {
  return [...ids].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
    return a.length - b.length
  })
}

export function scopeDigest(scope: DelegationScope): Uint8Array {
  if (scope === 'all') return sha256(concat(SCOPE, new Uint8Array([0])))
  return sha256(concat(SCOPE, new Uint8Array([1]), ...sortedIds(scope)))
}

export function delegationMessage(owner: Uint8Array, delegate: Uint8Array, expires: number, scope: Uint8Array): Uint8Array {
  return concat(DELEGATION, owner, delegate, u64be(expires), scope)
}

/** What a delegate signs for an inner (store, renew) message under one delegation. */
export function delegatedMessage(owner: Uint8Array, d: Delegation, inner: Uint8Array): Uint8Array {
  return concat(DELEGATED, sha256(delegationMessage(owner, d.delegate, d.expires, d.scope)), inner)
}

/** A fresh delegate key pair (the seed is the private key). */
export function newDelegateKey(): { seed: Uint8Array; publicKey: Uint8Array } {
  const seed = globalThis.crypto.getRandomValues(new Uint8Array(32))
  return { seed, publicKey: ed25519.getPublicKey(seed) }
}

export function delegatePublicKey(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed)
}

export function delegateSign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, seed)
}

/** The owner signs a delegation of `delegate` over `scope` until `expires`. */
export function signDelegation(vault: Vault, delegate: Uint8Array, scope: DelegationScope, expires: number): Delegation {
  const digest = scopeDigest(scope)
  return { delegate, expires, scope: digest, signature: vault.sign(delegationMessage(vault.ownerPublicKey, delegate, expires, digest)) }
}

/**
 * Checks a delegation of `owner` at `now`: its signature, that it has not ended, and that it does
 * not run longer than MAX_DELEGATION_MS. Throws DelegationRefusedError.
 */
export function verifyDelegation(owner: Uint8Array, d: Delegation, now: number): void {
  if (!verifySignature(owner, delegationMessage(owner, d.delegate, d.expires, d.scope), d.signature)) {
    throw new DelegationRefusedError('delegation-signature', 'The repair delegation is not signed by the owner it names.')
  }
  if (d.expires <= now) {
    throw new DelegationRefusedError(
      'expired',
      `The repair delegation ended at ${new Date(d.expires).toISOString()}; the owner must grant it again from their tab.`,
    )
  }
  if (d.expires - now > MAX_DELEGATION_MS) {
    throw new DelegationRefusedError('too-long', `The repair delegation runs past ${MAX_DELEGATION_MS / 86_400_000} days from now; hosts refuse longer ones.`)
  }
}

/** True when the scope covers the file. */
export function inScope(scope: DelegationScope, fileId: Uint8Array): boolean {
  return scope === 'all' || scope.some((id) => equal(id, fileId))
}

/** A file's layout, from its manifest: no key, name or type. */
export function layoutOf(m: FileManifest): FileLayout {
  return {
    fileId: m.fileId,
    revision: m.revision,
    k: m.codec.k,
    n: m.codec.n,
    repairThreshold: m.codec.repairThreshold,
    segments: m.segments.map((seg) => ({
      index: seg.index,
      shareSize: seg.shareSize,
      shares: seg.shares.map((sh) => ({ index: sh.index, key: sh.key, root: sh.root, holders: [...sh.holders] })),
    })),
  }
}

/**
 * A capability for `manifests` (those in scope): a fresh delegate key, signed by the owner until
 * `expires`.
 */
export function makeCapability(vault: Vault, manifests: readonly FileManifest[], scope: DelegationScope, expires: number): RepairCapability {
  const key = newDelegateKey()
  const files = manifests.filter((m) => inScope(scope, m.fileId)).map(layoutOf)
  const cap: RepairCapability = {
    version: CAPABILITY_VERSION,
    owner: vault.ownerPublicKey,
    delegateSeed: key.seed,
    delegation: signDelegation(vault, key.publicKey, scope, expires),
    scope: scope === 'all' ? 'all' : sortedIds(scope),
    files,
  }
  checkLimits(cap)
  return cap
}

/** The same grant (delegate key and delegation) over a newer set of layouts. */
export function withFiles(cap: RepairCapability, manifests: readonly FileManifest[]): RepairCapability {
  return { ...cap, files: manifests.filter((m) => inScope(cap.scope, m.fileId)).map(layoutOf) }
}

function checkLimits(cap: RepairCapability): void {
  if (cap.files.length > MAX_CAPABILITY_FILES) throw new CapabilityError(`A capability covers at most ${MAX_CAPABILITY_FILES} files; grant in parts.`)
  if (cap.scope !== 'all' && cap.scope.length > MAX_SCOPE_FILES) throw new CapabilityError(`A delegation names at most ${MAX_SCOPE_FILES} files.`)
}

// ---------------------------------------------------------------------------------------------
// Encoding: deterministic CBOR (as FORMAT §11), every field required, none other allowed.

export function encodeCapability(cap: RepairCapability): Uint8Array {
  checkLimits(cap)
  const bytes = encode({
    v: cap.version,
    owner: cap.owner,
    seed: cap.delegateSeed,
    delegation: delegationFields(cap.delegation),
    scope: cap.scope === 'all' ? 'all' : [...cap.scope],
    files: cap.files.map((f) => ({
      fileId: f.fileId,
      revision: f.revision,
      k: f.k,
      n: f.n,
      r: f.repairThreshold,
      segments: f.segments.map((s) => ({
        index: s.index,
        shareSize: s.shareSize,
        shares: s.shares.map((sh) => ({ index: sh.index, key: sh.key, root: sh.root, holders: [...sh.holders] })),
      })),
    })),
  })
  if (bytes.length > MAX_CAPABILITY_BYTES)
    throw new CapabilityError(`The capability is ${bytes.length} bytes, over the ${MAX_CAPABILITY_BYTES}-byte limit; grant fewer files.`)
  return bytes
}

export function delegationFields(d: Delegation): { delegate: Uint8Array; expires: number; scope: Uint8Array; signature: Uint8Array } {
  return { delegate: d.delegate, expires: d.expires, scope: d.scope, signature: d.signature }
}

type Rec = Record<string, unknown>

function fail(path: string, what: string): never {
  throw new CapabilityError(`Repair capability field ${path} ${what}.`)
}

function rec(v: unknown, path: string, keys: readonly string[]): Rec {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) fail(path, 'must be a map')
  const r = v as Rec
  if (Object.getPrototypeOf(r) !== Object.prototype) fail(path, 'has a "__proto__" key')
  for (const k of Object.keys(r)) if (!keys.includes(k)) fail(`${path}.${k}`, 'is not a known field')
  for (const k of keys) if (!(k in r)) fail(`${path}.${k}`, 'is missing')
  return r
}

function int(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(path, `must be an integer from ${min} to ${max}`)
  return v
}

function bytes(v: unknown, path: string, size: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== size) fail(path, `must be ${size} bytes`)
  return v
}

function list(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v) || v.length > max) fail(path, `must be a list of at most ${max}`)
  return v
}

/** A delegation as it travels (in a capability, or a store's header). */
export function parseDelegation(v: unknown, path = 'delegation'): Delegation {
  const d = rec(v, path, ['delegate', 'expires', 'scope', 'signature'])
  return {
    delegate: bytes(d.delegate, `${path}.delegate`, 32),
    expires: int(d.expires, `${path}.expires`, 0),
    scope: bytes(d.scope, `${path}.scope`, 32),
    signature: bytes(d.signature, `${path}.signature`, 64),
  }
}

/**
 * Decodes and checks a capability: bounded before parsing, every field typed, the delegate seed
 * matching the delegated key, the scope matching its digest, every file in scope, and the
 * delegation signed by the owner. Its expiry is the holder's to check (verifyDelegation).
 */
export function decodeCapability(data: Uint8Array): RepairCapability {
  if (data.length > MAX_CAPABILITY_BYTES) throw new CapabilityError(`A ${data.length}-byte capability is over the ${MAX_CAPABILITY_BYTES}-byte limit.`)
  try {
    // At most about one item per 2 bytes can be meant; far fewer in a real one (a share is ~12 items in ~150 bytes).
    checkCborBounds(data, { maxItems: Math.ceil(data.length / 8) + 64, maxDepth: 8 })
  } catch (err) {
    throw new CapabilityError(`The capability is not well-formed CBOR: ${(err as Error).message}`)
  }
  let raw: unknown
  try {
    raw = decode(data, { strict: true, rejectDuplicateMapKeys: true, useMaps: false })
  } catch (err) {
    throw new CapabilityError(`The capability is not canonical CBOR: ${(err as Error).message}`)
  }
  const r = rec(raw, 'capability', ['v', 'owner', 'seed', 'delegation', 'scope', 'files'])
  if (r.v !== CAPABILITY_VERSION) fail('v', `must be ${CAPABILITY_VERSION} (this Layr reads no other version)`)
  const owner = bytes(r.owner, 'owner', 32)
  const seed = bytes(r.seed, 'seed', 32)
  const delegation = parseDelegation(r.delegation)
  let scope: DelegationScope
  if (r.scope === 'all') scope = 'all'
  else scope = list(r.scope, 'scope', MAX_SCOPE_FILES).map((id, i) => bytes(id, `scope[${i}]`, 16))
  if (!equal(scopeDigest(scope), delegation.scope)) fail('scope', 'does not match the digest the owner signed')
  if (!equal(delegatePublicKey(seed), delegation.delegate)) fail('seed', 'is not the private key of the delegated key')
  if (!verifySignature(owner, delegationMessage(owner, delegation.delegate, delegation.expires, delegation.scope), delegation.signature)) {
    throw new CapabilityError('The capability’s delegation is not signed by its owner.')
  }
  const files = list(r.files, 'files', MAX_CAPABILITY_FILES).map((v, i): FileLayout => {
    const p = `files[${i}]`
    const f = rec(v, p, ['fileId', 'revision', 'k', 'n', 'r', 'segments'])
    const n = int(f.n, `${p}.n`, 2, MAX_SHARES)
    const k = int(f.k, `${p}.k`, 1, n - 1)
    const fileId = bytes(f.fileId, `${p}.fileId`, 16)
    if (!inScope(scope, fileId)) fail(`${p}.fileId`, 'is outside the delegation’s scope')
    const segments = list(f.segments, `${p}.segments`, MANIFEST_LIMITS.segments).map((sv, si): CapabilitySegment => {
      const sp = `${p}.segments[${si}]`
      const s = rec(sv, sp, ['index', 'shareSize', 'shares'])
      const shares = list(s.shares, `${sp}.shares`, n).map((hv, hi): CapabilityShare => {
        const hp = `${sp}.shares[${hi}]`
        const h = rec(hv, hp, ['index', 'key', 'root', 'holders'])
        const holders = list(h.holders, `${hp}.holders`, MANIFEST_LIMITS.holdersPerShare).map((x, xi) => {
          if (typeof x !== 'string' || x.length < 1 || x.length > MANIFEST_LIMITS.idLength) fail(`${hp}.holders[${xi}]`, 'must be a peer id')
          return x
        })
        return { index: int(h.index, `${hp}.index`, hi, hi), key: bytes(h.key, `${hp}.key`, 32), root: bytes(h.root, `${hp}.root`, 32), holders }
      })
      if (shares.length !== n) fail(`${sp}.shares`, `must have n = ${n} entries`)
      return { index: int(s.index, `${sp}.index`, si, si), shareSize: int(s.shareSize, `${sp}.shareSize`, 1, 16 * 1024 * 1024), shares }
    })
    if (segments.length === 0) fail(`${p}.segments`, 'must have at least one segment')
    return { fileId, revision: int(f.revision, `${p}.revision`, 0), k, n, repairThreshold: int(f.r, `${p}.r`, k + 1, n), segments }
  })
  return { version: CAPABILITY_VERSION, owner, delegateSeed: seed, delegation, scope, files }
}

/** The capability's files, by file id (hex). */
export function filesById(cap: RepairCapability): Map<string, FileLayout> {
  return new Map(cap.files.map((f) => [toHex(f.fileId), f]))
}
