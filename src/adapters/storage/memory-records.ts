import { recordId, type ManifestRecord } from '../../core/records/index.ts'
import { toHex } from '../../core/bytes.ts'
import { entryOf, RECORD_OVERHEAD, type RecordEntry, type RecordStore, type RecordUsage } from '../../ports/record-store.ts'

/** RecordStore in memory, for unit tests. */
export class MemoryRecordStore implements RecordStore {
  readonly #records = new Map<string, ManifestRecord>()

  async put(r: ManifestRecord): Promise<ManifestRecord> {
    const id = recordId(r.owner, r.fileId)
    const cur = this.#records.get(id)
    if (cur && cur.revision >= r.revision) return cur
    const copy = { owner: r.owner.slice(), fileId: r.fileId.slice(), revision: r.revision, sealed: r.sealed.slice(), signature: r.signature.slice() }
    this.#records.set(id, copy)
    return copy
  }

  async get(owner: Uint8Array, fileId: Uint8Array): Promise<ManifestRecord | undefined> {
    return this.#records.get(recordId(owner, fileId))
  }

  async delete(owner: Uint8Array, fileId: Uint8Array): Promise<boolean> {
    return this.#records.delete(recordId(owner, fileId))
  }

  async list(owner: Uint8Array): Promise<ManifestRecord[]> {
    const prefix = `${toHex(owner)}/`
    return [...this.#records].filter(([id]) => id.startsWith(prefix)).map(([, r]) => r)
  }

  async entries(owner: Uint8Array): Promise<RecordEntry[]> {
    return (await this.list(owner)).map(entryOf)
  }

  async usage(): Promise<RecordUsage> {
    let bytes = 0
    for (const r of this.#records.values()) bytes += r.sealed.length + RECORD_OVERHEAD
    return { bytes, records: this.#records.size }
  }

  async close(): Promise<void> {}
}
