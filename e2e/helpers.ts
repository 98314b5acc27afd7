import type { Page } from '@playwright/test'

/** How many shares a host tab holds, read straight from its IndexedDB (not through Layr's code). */
export async function sharesHeld(page: Page, dbName = 'layr-host'): Promise<number> {
  return page.evaluate(async (dbName) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open(dbName)
      r.onsuccess = () => res(r.result)
      r.onerror = () => rej(r.error)
    })
    const n = await new Promise<number>((res, rej) => {
      const req = db.transaction('records').objectStore('records').count()
      req.onsuccess = () => res(req.result)
      req.onerror = () => rej(req.error)
    })
    db.close()
    return n
  }, dbName)
}
