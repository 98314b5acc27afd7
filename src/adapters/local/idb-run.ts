import { openDB, type DBSchema, type IDBPDatabase, type OpenDBCallbacks } from 'idb'
import { StorageError } from '../../ports/share-store.ts'

/**
 * One IndexedDB database opened on first use, and a `run` that turns any failure into a
 * StorageError saying what was being done (`what` names the data, as "the list of escrows").
 */
export function idbRunner<S extends DBSchema>(
  name: string,
  version: number,
  upgrade: NonNullable<OpenDBCallbacks<S>['upgrade']>,
  what: string,
): <T>(doing: string, fn: (db: IDBPDatabase<S>) => Promise<T>) => Promise<T> {
  let db: IDBPDatabase<S> | undefined
  const open = async (): Promise<IDBPDatabase<S>> => {
    try {
      return (db ??= await openDB<S>(name, version, { upgrade }))
    } catch (err) {
      throw new StorageError(`Browser storage could not open ${what}: ${(err as Error).message}`)
    }
  }
  return async (doing, fn) => {
    const d = await open()
    try {
      return await fn(d)
    } catch (err) {
      throw new StorageError(`Browser storage failed while ${doing}: ${(err as Error).message}`)
    }
  }
}
