/**
 * RecordStore: where manifest records are kept — a host's copies of other owners' records, and
 * an owner's own list of files. Keeps one record per (owner, file): `put` keeps whichever
 * revision is higher, so the store never goes back in time. Rules about signatures and sizes
 * live above it (net/share/host.ts).
 */
import type { ManifestRecord } from '../core/records/index.ts'

export interface RecordUsage {
  readonly bytes: number
  readonly records: number
}

export interface RecordStore {
  /** Stores `r` unless a record of the same file with a higher or equal revision is kept; returns the one kept. */
  put(r: ManifestRecord): Promise<ManifestRecord>
  get(owner: Uint8Array, fileId: Uint8Array): Promise<ManifestRecord | undefined>
  list(owner: Uint8Array): Promise<ManifestRecord[]>
  usage(): Promise<RecordUsage>
  close(): Promise<void>
}
