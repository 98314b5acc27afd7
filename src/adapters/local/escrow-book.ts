import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { EscrowBook, EscrowEntry } from '../../ports/escrow-book.ts'
import { StorageError } from '../../ports/share-store.ts'

interface BookDB extends DBSchema {
  escrows: { key: string; value: EscrowEntry; indexes: { fileId: string } }
}

/** The owner's escrows in IndexedDB ('layr-files-escrows'): one entry per escrow an upload funded. */
export async function openIdbEscrowBook(name = 'layr-escrows'): Promise<EscrowBook> {
  let db: IDBPDatabase<BookDB> | undefined
  const open = async (): Promise<IDBPDatabase<BookDB>> => {
    try {
      return (db ??= await openDB<BookDB>(name, 1, {
        upgrade: (d) => d.createObjectStore('escrows', { keyPath: 'account' }).createIndex('fileId', 'fileId'),
      }))
    } catch (err) {
      throw new StorageError(`Browser storage could not open the list of escrows: ${(err as Error).message}`)
    }
  }
  const run = async <T>(doing: string, fn: (d: IDBPDatabase<BookDB>) => Promise<T>): Promise<T> => {
    const d = await open()
    try {
      return await fn(d)
    } catch (err) {
      throw new StorageError(`Browser storage failed while ${doing}: ${(err as Error).message}`)
    }
  }
  return {
    put: (e) => run('saving an escrow', async (d) => void (await d.put('escrows', e))),
    get: (account) => run('reading an escrow', (d) => d.get('escrows', account)),
    list: (fileId) => run('listing escrows', (d) => (fileId === undefined ? d.getAll('escrows') : d.getAllFromIndex('escrows', 'fileId', fileId))),
    delete: (account) => run('forgetting an escrow', (d) => d.delete('escrows', account)),
  }
}

/** The owner's escrows in memory (tests; a profile with no IndexedDB). */
export class MemoryEscrowBook implements EscrowBook {
  readonly #entries = new Map<string, EscrowEntry>()
  async put(e: EscrowEntry): Promise<void> {
    this.#entries.set(e.account, structuredClone(e))
  }
  async get(account: string): Promise<EscrowEntry | undefined> {
    const e = this.#entries.get(account)
    return e && structuredClone(e)
  }
  async list(fileId?: string): Promise<EscrowEntry[]> {
    return [...this.#entries.values()].filter((e) => fileId === undefined || e.fileId === fileId).map((e) => structuredClone(e))
  }
  async delete(account: string): Promise<void> {
    this.#entries.delete(account)
  }
}
