import type { ByteRange, ShareRecord, ShareStore, StoreUsage } from '../../ports/share-store.ts'
import { StorageFullError } from '../../ports/share-store.ts'
import { sliceRange } from './range.ts'

function copyRecord(r: ShareRecord): ShareRecord {
  return { ...r, root: r.root.slice(), owners: r.owners.map((c) => ({ ...c, owner: c.owner.slice() })) }
}

/** ShareStore in memory, for unit tests and the fake grid. `capacity` simulates a full disk. */
export class MemoryShareStore implements ShareStore {
  readonly #records = new Map<string, ShareRecord>()
  readonly #bytes = new Map<string, Uint8Array>()
  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {}

  async put(record: ShareRecord, bytes: Uint8Array): Promise<void> {
    const { bytes: used } = await this.usage()
    const replacing = this.#bytes.get(record.key)?.length ?? 0
    if (used - replacing + bytes.length > this.capacity) {
      throw new StorageFullError(`The device has no room for ${bytes.length} more bytes.`)
    }
    this.#records.set(record.key, copyRecord(record))
    this.#bytes.set(record.key, bytes.slice())
  }

  async update(record: ShareRecord): Promise<boolean> {
    if (!this.#records.has(record.key)) return false
    this.#records.set(record.key, { ...copyRecord(record), size: this.#bytes.get(record.key)!.length })
    return true
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    const b = this.#bytes.get(key)
    return b && sliceRange(b, range)
  }

  async record(key: string): Promise<ShareRecord | undefined> {
    return this.#records.get(key)
  }

  async delete(key: string): Promise<boolean> {
    this.#bytes.delete(key)
    return this.#records.delete(key)
  }

  async list(): Promise<ShareRecord[]> {
    return [...this.#records.values()]
  }

  async usage(): Promise<StoreUsage> {
    let bytes = 0
    for (const b of this.#bytes.values()) bytes += b.length
    return { bytes, shares: this.#bytes.size }
  }

  async close(): Promise<void> {}
}
