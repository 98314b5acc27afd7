/**
 * Where this browser keeps its vault: one value in IndexedDB ('layr-vault', key 'recovery-text').
 * It is either the recovery text itself (no passphrase: anyone with access to this browser
 * profile, or any script on the page, can read it, as with a web wallet without a password) or
 * a locked record (core/vault/lock.ts) that only the passphrase opens. One key holds either, so
 * a write replaces the other form in the same transaction: the two are never stored together.
 */
import { openDB } from 'idb'
import { toStoreError } from '../storage/idb.ts'

const DB = 'layr-vault'
const KEY = 'recovery-text'

export type StoredVault =
  | { readonly kind: 'plain'; readonly recoveryText: string }
  /** Checked by core/vault/lock.ts when it is opened, not here. */
  | { readonly kind: 'locked'; readonly record: unknown }

async function db() {
  try {
    return await openDB(DB, 1, { upgrade: (d) => void d.createObjectStore('kv') })
  } catch (err) {
    throw toStoreError(err, 'opening the vault database')
  }
}

export async function loadStoredVault(): Promise<StoredVault | undefined> {
  const d = await db()
  try {
    const v: unknown = await d.get('kv', KEY)
    if (v === undefined) return undefined
    return typeof v === 'string' ? { kind: 'plain', recoveryText: v } : { kind: 'locked', record: v }
  } catch (err) {
    throw toStoreError(err, 'reading the vault')
  } finally {
    d.close()
  }
}

export async function saveStoredVault(stored: StoredVault): Promise<void> {
  const d = await db()
  try {
    await d.put('kv', stored.kind === 'plain' ? stored.recoveryText : stored.record, KEY)
  } catch (err) {
    throw toStoreError(err, 'saving the vault')
  } finally {
    d.close()
  }
}
