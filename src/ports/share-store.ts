/**
 * ShareStore: where a host keeps the shares it holds for others. A narrow port that deals
 * in bytes by key; quota, verification and protocol rules live above it (net/hosting), so
 * every adapter stays small and passes one contract suite (testing/share-store-contract.ts):
 * IndexedDB in the browser, memory in unit tests.
 */
import { LayrError } from '../core/errors.ts'

/** One owner's hold on a share. A share is kept while any owner holds it. */
export interface OwnerClaim {
  /** The owner's Ed25519 public key: only its signature can release this claim. */
  readonly owner: Uint8Array
  /** The owner's clock (ms) when it signed its latest store: a delete must be signed later. */
  readonly since: number
  /** The peer that stored it for the owner (its part of a free host is counted by this). */
  readonly via?: string
  /**
   * When the owner's lease ends (the host's clock, ms): the host drops the claim then unless the
   * owner renewed it (core/lease). Undefined on claims kept before leases (see claimEnd).
   */
  readonly expires?: number
}

export interface ShareRecord {
  /** Hex of the share key, sha256("layr/share" ‖ root). */
  readonly key: string
  readonly size: number
  /** Merkle root of the bytes. */
  readonly root: Uint8Array
  /** At least one. The same bytes may be stored by several owners; none can evict another. */
  readonly owners: readonly OwnerClaim[]
  /** When this host first stored the bytes (its clock, ms since the epoch). */
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
  /** Replaces a held share's record (its owners), keeping its bytes; false when it is not held. */
  update(record: ShareRecord): Promise<boolean>
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
