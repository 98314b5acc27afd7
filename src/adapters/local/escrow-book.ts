import type { DBSchema } from 'idb'
import type { EscrowBook, EscrowEntry } from '../../ports/escrow-book.ts'
import { idbRunner } from './idb-run.ts'

interface BookDB extends DBSchema {
  escrows: { key: string; value: EscrowEntry; indexes: { fileId: string } }
}

/** The owner's escrows in IndexedDB ('layr-files-escrows'): one entry per escrow an upload funded. */
export async function openIdbEscrowBook(name = 'layr-escrows'): Promise<EscrowBook> {
  const run = idbRunner<BookDB>(name, 1, (d) => d.createObjectStore('escrows', { keyPath: 'account' }).createIndex('fileId', 'fileId'), 'the list of escrows')
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
