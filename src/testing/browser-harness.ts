/**
 * Loaded only by end-to-end tests (a lazy chunk, never fetched by the app itself): runs the
 * adapter contract suites inside the real browser.
 */
import { openIdbShareStore } from '../adapters/storage/idb.ts'
import { openIdbRecordStore } from '../adapters/storage/idb-records.ts'
import { shareStoreContract } from './share-store-contract.ts'
import { recordStoreContract } from './record-store-contract.ts'

export interface CaseResult {
  readonly name: string
  readonly ok: boolean
  readonly error?: string
}

/** Runs every ShareStore contract case against IndexedDB, each on a database of its own. */
export async function runIdbShareStoreContract(options: { smallCapacity?: number; only?: string } = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const [i, c] of shareStoreContract.entries()) {
    if (options.only !== undefined && c.name !== options.only) continue
    const name = `layr-contract-${Date.now()}-${i}`
    try {
      await c.run({
        open: () => openIdbShareStore(name),
        reopen: () => openIdbShareStore(name),
        ...(options.smallCapacity ? { openSmall: async () => ({ store: await openIdbShareStore(name), capacity: options.smallCapacity! }) } : {}),
      })
      results.push({ name: c.name, ok: true })
    } catch (err) {
      results.push({ name: c.name, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    } finally {
      indexedDB.deleteDatabase(name)
    }
  }
  return results
}

/** Runs every RecordStore contract case against IndexedDB, each on a database of its own. */
export async function runIdbRecordStoreContract(options: { only?: string } = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const [i, c] of recordStoreContract.entries()) {
    if (options.only !== undefined && c.name !== options.only) continue
    const name = `layr-record-contract-${Date.now()}-${i}`
    try {
      await c.run({ open: () => openIdbRecordStore(name), reopen: () => openIdbRecordStore(name) })
      results.push({ name: c.name, ok: true })
    } catch (err) {
      results.push({ name: c.name, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    } finally {
      indexedDB.deleteDatabase(name)
    }
  }
  return results
}
