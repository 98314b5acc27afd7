/**
 * RecordStore on IndexedDB: one object store keyed by "ownerHex/fileIdHex" with an index on the
 * owner. A put reads and writes in one transaction, so two puts of one file cannot both win.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { toHex } from '../../core/bytes.ts'
import { recordId, type ManifestRecord } from '../../core/records/index.ts'
import { entryOf, RECORD_OVERHEAD, type RecordEntry, type RecordStore, type RecordUsage } from '../../ports/record-store.ts'
import { toStoreError } from './idb.ts'

interface StoredRecord extends ManifestRecord {
  readonly id: string
  readonly ownerHex: string
}

interface RecordDB extends DBSchema {
  records: { key: string; value: StoredRecord; indexes: { owner: string } }
}

export async function openIdbRecordStore(name: string): Promise<RecordStore> {
  let db: IDBPDatabase<RecordDB>
  try {
    db = await openDB<RecordDB>(name, 1, {
      upgrade(d) {
        d.createObjectStore('records', { keyPath: 'id' }).createIndex('owner', 'ownerHex')
      },
      blocking() {
        db.close()
      },
    })
  } catch (err) {
    throw toStoreError(err, 'opening the manifest database')
  }
  const store = new IdbRecordStore(db)
  await store.load()
  return store
}

function plain(s: ManifestRecord): ManifestRecord {
  return { owner: s.owner, fileId: s.fileId, revision: s.revision, sealed: s.sealed, signature: s.signature }
}

class IdbRecordStore implements RecordStore {
  #bytes = 0
  #count = 0
  constructor(private readonly db: IDBPDatabase<RecordDB>) {}

  /** Usage is counted once here and kept up to date by put, so hosts can ask on every request. */
  async load(): Promise<void> {
    try {
      let cursor = await this.db.transaction('records').store.openCursor()
      while (cursor) {
        this.#bytes += cursor.value.sealed.length + RECORD_OVERHEAD
        this.#count++
        cursor = await cursor.continue()
      }
    } catch (err) {
      throw toStoreError(err, 'measuring manifests')
    }
  }

  async put(r: ManifestRecord): Promise<ManifestRecord> {
    const id = recordId(r.owner, r.fileId)
    try {
      const tx = this.db.transaction('records', 'readwrite')
      const cur = await tx.store.get(id)
      if (cur && cur.revision >= r.revision) {
        await tx.done
        return plain(cur)
      }
      await tx.store.put({ owner: r.owner, fileId: r.fileId, revision: r.revision, sealed: r.sealed, signature: r.signature, id, ownerHex: toHex(r.owner) })
      await tx.done
      this.#bytes += r.sealed.length - (cur ? cur.sealed.length : -RECORD_OVERHEAD)
      if (!cur) this.#count++
      return r
    } catch (err) {
      throw toStoreError(err, 'saving a manifest')
    }
  }

  async get(owner: Uint8Array, fileId: Uint8Array): Promise<ManifestRecord | undefined> {
    try {
      const s = await this.db.get('records', recordId(owner, fileId))
      return s && plain(s)
    } catch (err) {
      throw toStoreError(err, 'reading a manifest')
    }
  }

  async delete(owner: Uint8Array, fileId: Uint8Array): Promise<boolean> {
    const id = recordId(owner, fileId)
    try {
      const tx = this.db.transaction('records', 'readwrite')
      const cur = await tx.store.get(id)
      if (cur) await tx.store.delete(id)
      await tx.done
      if (!cur) return false
      this.#bytes -= cur.sealed.length + RECORD_OVERHEAD
      this.#count--
      return true
    } catch (err) {
      throw toStoreError(err, 'deleting a manifest')
    }
  }

  async list(owner: Uint8Array): Promise<ManifestRecord[]> {
    try {
      return (await this.db.getAllFromIndex('records', 'owner', toHex(owner))).map(plain)
    } catch (err) {
      throw toStoreError(err, 'listing manifests')
    }
  }

  async entries(owner: Uint8Array): Promise<RecordEntry[]> {
    // One record at a time through a cursor: a large list never sits in memory whole.
    const out: RecordEntry[] = []
    try {
      let cursor = await this.db.transaction('records').store.index('owner').openCursor(toHex(owner))
      while (cursor) {
        out.push(entryOf(cursor.value))
        cursor = await cursor.continue()
      }
    } catch (err) {
      throw toStoreError(err, 'listing manifests')
    }
    return out
  }

  async usage(): Promise<RecordUsage> {
    return { bytes: this.#bytes, records: this.#count }
  }

  async close(): Promise<void> {
    this.db.close()
  }
}
