/**
 * Where this browser keeps its vault: the recovery text in IndexedDB ('layr-vault'). Anyone with
 * access to this browser profile can read it, as with any web wallet that has no password; the
 * recovery text is what the user saves elsewhere.
 */
import { openDB } from 'idb'
import { toStoreError } from '../storage/idb.ts'

const DB = 'layr-vault'
const KEY = 'recovery-text'

async function db() {
  try {
    return await openDB(DB, 1, { upgrade: (d) => void d.createObjectStore('kv') })
  } catch (err) {
    throw toStoreError(err, 'opening the vault database')
  }
}

export async function loadRecoveryText(): Promise<string | undefined> {
  const d = await db()
  try {
    const v: unknown = await d.get('kv', KEY)
    return typeof v === 'string' ? v : undefined
  } catch (err) {
    throw toStoreError(err, 'reading the vault')
  } finally {
    d.close()
  }
}

export async function saveRecoveryText(text: string): Promise<void> {
  const d = await db()
  try {
    await d.put('kv', text, KEY)
  } catch (err) {
    throw toStoreError(err, 'saving the vault')
  } finally {
    d.close()
  }
}
