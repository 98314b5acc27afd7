import type { DBSchema } from 'idb'
import type { JournalEntry, UploadJournal } from '../../ports/upload-journal.ts'
import { idbRunner } from './idb-run.ts'

interface JournalDB extends DBSchema {
  uploads: { key: string; value: JournalEntry }
}

/** The upload journal in IndexedDB ('layr-uploads'): one entry per backup being placed. */
export async function openIdbUploadJournal(name = 'layr-uploads'): Promise<UploadJournal> {
  const run = idbRunner<JournalDB>(name, 1, (d) => void d.createObjectStore('uploads', { keyPath: 'id' }), 'the list of backups in progress')
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
