/**
 * Manifest records: how an owner's sealed manifests are kept by other peers, so that a vault
 * restored on another device can list and fetch every file. A record names the owner (public
 * key), the file id and a revision, carries the sealed manifest (empty once the file is
 * removed: a tombstone, so an old copy cannot bring a removed file back), and is signed by the
 * owner. Hosts keep the highest revision they have seen of each (owner, file); readers merge
 * the answers of several hosts the same way.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concat, equal, toHex, utf8 } from '../bytes.ts'
import { InvalidInputError, ManifestCorruptError } from '../errors.ts'
import { MANIFEST_LIMITS } from '../manifest/types.ts'
import { verifySignature, type Vault } from '../vault/index.ts'

export interface ManifestRecord {
  /** The owner's Ed25519 public key (32 bytes). */
  readonly owner: Uint8Array
  /** The file id (16 bytes). */
  readonly fileId: Uint8Array
  /** Higher wins. */
  readonly revision: number
  /** The sealed manifest; empty when the file was removed. */
  readonly sealed: Uint8Array
  /** Ed25519 over recordMessage(…), by `owner`. */
  readonly signature: Uint8Array
}

export const RECORD_LIMITS = {
  /** The sealed manifest's own limit: one bound for both. */
  sealedBytes: MANIFEST_LIMITS.sealedBytes,
  /** Records one host keeps per owner. */
  perOwner: 4096,
} as const

const CONTEXT = utf8('layr/v1/manifest-record\0')

/** The bytes an owner signs: context ‖ owner ‖ fileId ‖ revision (u64) ‖ sha256(sealed). */
export function recordMessage(owner: Uint8Array, fileId: Uint8Array, revision: number, sealed: Uint8Array): Uint8Array {
  const rev = new Uint8Array(8)
  new DataView(rev.buffer).setBigUint64(0, BigInt(revision))
  return concat(CONTEXT, owner, fileId, rev, sha256(sealed))
}

export function signRecord(vault: Vault, fileId: Uint8Array, revision: number, sealed: Uint8Array): ManifestRecord {
  if (!Number.isSafeInteger(revision) || revision < 0) throw new InvalidInputError(`A record revision must be a whole number, got ${revision}.`)
  if (sealed.length > RECORD_LIMITS.sealedBytes) {
    throw new InvalidInputError(
      `This file's manifest is ${sealed.length} bytes, over the ${RECORD_LIMITS.sealedBytes}-byte limit of one record: split the file.`,
    )
  }
  const owner = vault.ownerPublicKey
  return { owner, fileId, revision, sealed, signature: vault.sign(recordMessage(owner, fileId, revision, sealed)) }
}

export function verifyRecord(r: ManifestRecord): boolean {
  return verifySignature(r.owner, recordMessage(r.owner, r.fileId, r.revision, r.sealed), r.signature)
}

export function recordId(owner: Uint8Array, fileId: Uint8Array): string {
  return `${toHex(owner)}/${toHex(fileId)}`
}

/** The DHT key under which an owner's records are kept: sha256("layr/manifests" ‖ owner). */
export function recordsKey(owner: Uint8Array): Uint8Array {
  return sha256(concat(utf8('layr/manifests'), owner))
}

/** Keeps, for each file, the record with the highest revision (the first seen on a tie). */
export function mergeRecords(...lists: ReadonlyArray<readonly ManifestRecord[]>): ManifestRecord[] {
  const best = new Map<string, ManifestRecord>()
  for (const list of lists) {
    for (const r of list) {
      const id = recordId(r.owner, r.fileId)
      const cur = best.get(id)
      if (!cur || r.revision > cur.revision) best.set(id, r)
    }
  }
  return [...best.values()]
}

/**
 * A record's sealed manifest must be the manifest the record names: same owner, file and
 * revision. Otherwise a record of one file could carry another file's (validly sealed) manifest,
 * or an old revision under a new number.
 */
export function checkRecordManifest(r: ManifestRecord, m: { readonly owner: Uint8Array; readonly fileId: Uint8Array; readonly revision: number }): void {
  if (!equal(m.owner, r.owner) || !equal(m.fileId, r.fileId) || m.revision !== r.revision) {
    throw new ManifestCorruptError(
      `The manifest record for file ${toHex(r.fileId)} (revision ${r.revision}) holds the manifest of file ${toHex(m.fileId)} (revision ${m.revision}); it was left out.`,
    )
  }
}
