/** What a host tab's IndexedDB holds, read and changed straight in the page (not through Layr's code). */
import type { Page } from '@playwright/test'

/** The keys (hex) of the shares a host tab holds, read from its IndexedDB directly. */
export async function heldKeys(page: Page, dbName = 'layr-host'): Promise<string[]> {
  return page.evaluate(async (dbName) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open(dbName)
      r.onsuccess = () => res(r.result)
      r.onerror = () => rej(r.error)
    })
    const keys = await new Promise<IDBValidKey[]>((res, rej) => {
      const req = db.transaction('records').objectStore('records').getAllKeys()
      req.onsuccess = () => res(req.result)
      req.onerror = () => rej(req.error)
    })
    db.close()
    return keys.map(String)
  }, dbName)
}

/** Flips one byte of a held share in the host's IndexedDB (a host that lies about its data). */
export async function corruptHeldShare(page: Page, keyHex: string, dbName = 'layr-host'): Promise<void> {
  await page.evaluate(
    async ({ dbName, keyHex }) => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const r = indexedDB.open(dbName)
        r.onsuccess = () => res(r.result)
        r.onerror = () => rej(r.error)
      })
      await new Promise<void>((res, rej) => {
        const tx = db.transaction('bytes', 'readwrite')
        const store = tx.objectStore('bytes')
        const get = store.get(keyHex)
        get.onsuccess = () => {
          const bytes = get.result as Uint8Array
          if (!bytes) return rej(new Error(`no share ${keyHex}`))
          const copy = bytes.slice()
          copy[1000] = copy[1000]! ^ 0xff
          store.put(copy, keyHex)
        }
        tx.oncomplete = () => res()
        tx.onerror = () => rej(tx.error)
      })
      db.close()
    },
    { dbName, keyHex },
  )
}

/** Opens the low-level test page in `page` (the app does not start the network), starts this tab's node and waits for a relay address; returns its peer id. */
export async function peerTab(page: Page): Promise<string> {
  await page.goto('/?autostart=0')
  await page.waitForFunction(() => window.layrNet !== undefined && window.layrCore !== undefined && typeof window.layrTesting === 'function')
  return page.evaluate(async () => {
    const status = await window.layrNet.start()
    await window.layrNet.waitForCircuitAddress(30_000)
    return status.peerId
  })
}
