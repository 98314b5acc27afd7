/**
 * RecordStore: where manifest records are kept — a host's copies of other owners' records, and
 * an owner's own list of files. Keeps one record per (owner, file): `put` keeps whichever
 * revision is higher, so the store never goes back in time. Rules about signatures and sizes
 * live above it (net/share/host.ts).
 */
import type { ManifestRecord } from '../core/records/index.ts'

export interface RecordUsage {
  /** Sealed bytes plus RECORD_OVERHEAD per record (a tombstone is not free to keep). */
  readonly bytes: number
  readonly records: number
}

/** What one record costs a host besides its sealed bytes (keys, signature, index entries). */
export const RECORD_OVERHEAD = 512

export interface RecordEntry {
  readonly fileId: Uint8Array
  readonly revision: number
  /** Set for a tombstone (no sealed bytes): its signature. */
  readonly tombstone?: Uint8Array
}

export function entryOf(r: ManifestRecord): RecordEntry {
  return r.sealed.length === 0 ? { fileId: r.fileId, revision: r.revision, tombstone: r.signature } : { fileId: r.fileId, revision: r.revision }
}

export interface RecordStore {
  /** Stores `r` unless a record of the same file with a higher or equal revision is kept; returns the one kept. */
  put(r: ManifestRecord): Promise<ManifestRecord>
  get(owner: Uint8Array, fileId: Uint8Array): Promise<ManifestRecord | undefined>
  /** Forgets a record; true when one was kept. */
  delete(owner: Uint8Array, fileId: Uint8Array): Promise<boolean>
  list(owner: Uint8Array): Promise<ManifestRecord[]>
  /** The owner's files and revisions (with a tombstone's signature, which proves the removal). */
  entries(owner: Uint8Array): Promise<RecordEntry[]>
  usage(): Promise<RecordUsage>
  close(): Promise<void>
}
