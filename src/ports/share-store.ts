/**
 * ShareStore: where a host keeps the shares it holds for others. A narrow port that deals
 * in bytes by key; quota, verification and protocol rules live above it (net/hosting), so
 * every adapter stays small and passes one contract suite (testing/share-store-contract.ts):
 * IndexedDB in the browser, memory in unit tests.
 */
import { LayrError } from '../core/errors.ts'

export interface ShareRecord {
  /** Hex of the share key, sha256("layr/share" ‖ root). */
  readonly key: string
  readonly size: number
  /** Merkle root of the bytes. */
  readonly root: Uint8Array
  /** Owner's Ed25519 public key: only its signature can delete the share. */
  readonly owner: Uint8Array
  /** Milliseconds since the epoch. */
  readonly storedAt: number
}

export interface ByteRange {
  readonly offset: number
  readonly length: number
}

export interface StoreUsage {
  readonly bytes: number
  readonly shares: number
}

export interface ShareStore {
  /** Stores (or replaces) a share. StorageFullError when the device refuses more data. */
  put(record: ShareRecord, bytes: Uint8Array): Promise<void>
  /** The share's bytes, or the range of them; undefined when absent. */
  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined>
  record(key: string): Promise<ShareRecord | undefined>
  /** True when something was deleted. */
  delete(key: string): Promise<boolean>
  list(): Promise<ShareRecord[]>
  usage(): Promise<StoreUsage>
  close(): Promise<void>
}

/** The device (browser quota, disk) refused to store more. */
export class StorageFullError extends LayrError {
  override readonly name = 'StorageFullError'
}

/** The storage backend failed for another reason (blocked, aborted, private mode…). */
export class StorageError extends LayrError {
  override readonly name = 'StorageError'
}
