import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { JournalEntry, UploadJournal } from '../../ports/upload-journal.ts'
import { StorageError } from '../../ports/share-store.ts'

interface JournalDB extends DBSchema {
  uploads: { key: string; value: JournalEntry }
}

/** The upload journal in IndexedDB ('layr-uploads'): one entry per backup being placed. */
export async function openIdbUploadJournal(name = 'layr-uploads'): Promise<UploadJournal> {
  let db: IDBPDatabase<JournalDB> | undefined
  const open = async (): Promise<IDBPDatabase<JournalDB>> => {
    try {
      return (db ??= await openDB<JournalDB>(name, 1, { upgrade: (d) => void d.createObjectStore('uploads', { keyPath: 'id' }) }))
    } catch (err) {
      throw new StorageError(`Browser storage could not open the list of backups in progress: ${(err as Error).message}`)
    }
  }
  const run = async <T>(doing: string, fn: (d: IDBPDatabase<JournalDB>) => Promise<T>): Promise<T> => {
    const d = await open()
    try {
      return await fn(d)
    } catch (err) {
      throw new StorageError(`Browser storage failed while ${doing}: ${(err as Error).message}`)
    }
  }
  return {
    put: (e) => run('saving a backup in progress', async (d) => void (await d.put('uploads', e))),
    get: (id) => run('reading a backup in progress', (d) => d.get('uploads', id)),
    list: () => run('listing backups in progress', (d) => d.getAll('uploads')),
    delete: (id) => run('forgetting a backup in progress', (d) => d.delete('uploads', id)),
  }
}

/** The upload journal in memory (tests; a profile with no IndexedDB). */
export class MemoryUploadJournal implements UploadJournal {
  readonly #entries = new Map<string, JournalEntry>()
  async put(e: JournalEntry): Promise<void> {
    this.#entries.set(e.id, e)
  }
  async get(id: string): Promise<JournalEntry | undefined> {
    return this.#entries.get(id)
  }
  async list(): Promise<JournalEntry[]> {
    return [...this.#entries.values()]
  }
  async delete(id: string): Promise<void> {
    this.#entries.delete(id)
  }
}
