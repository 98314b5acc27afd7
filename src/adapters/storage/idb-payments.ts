/**
 * PaymentStore on IndexedDB: accepted offers keyed by escrow account (indexed by owner), claims
 * keyed by "escrow/window" (so one claim is recorded once) with an index on their time. Amounts are
 * kept as bigint (structured clone keeps them). Every failure passes through toStoreError.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { ClaimRecord, PaymentStore, StoredOffer } from '../../ports/payment-store.ts'
import { toStoreError } from './idb.ts'

interface StoredClaim extends ClaimRecord {
  readonly id: string
}

interface PaymentDB extends DBSchema {
  offers: { key: string; value: StoredOffer; indexes: { owner: string } }
  claims: { key: string; value: StoredClaim; indexes: { at: number } }
}

export async function openIdbPaymentStore(name: string): Promise<PaymentStore> {
  let db: IDBPDatabase<PaymentDB>
  try {
    db = await openDB<PaymentDB>(name, 1, {
      upgrade(d) {
        d.createObjectStore('offers', { keyPath: 'account' }).createIndex('owner', 'owner')
        d.createObjectStore('claims', { keyPath: 'id' }).createIndex('at', 'at')
      },
      blocking() {
        db.close()
      },
    })
  } catch (err) {
    throw toStoreError(err, 'opening the payments database')
  }
  const guard = async <T>(doing: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (err) {
      throw toStoreError(err, doing)
    }
  }
  const plainClaim = ({ id: _, ...c }: StoredClaim): ClaimRecord => c
  return {
    putOffer: (offer) => guard('keeping an escrow offer', async () => void (await db.put('offers', offer))),
    offer: (account) => guard('reading an escrow offer', () => db.get('offers', account)),
    offers: (owner) => guard('listing escrow offers', () => (owner === undefined ? db.getAll('offers') : db.getAllFromIndex('offers', 'owner', owner))),
    deleteOffer: (account) => guard('forgetting an escrow offer', () => db.delete('offers', account)),
    addClaim: (claim) =>
      guard('recording a claim', async () => {
        const tx = db.transaction('claims', 'readwrite')
        const id = `${claim.escrow}/${claim.window}`
        if (!(await tx.store.get(id))) await tx.store.put({ ...claim, id })
        await tx.done
      }),
    claims: () => guard('listing claims', async () => (await db.getAllFromIndex('claims', 'at')).map(plainClaim)),
    close: async () => db.close(),
  }
}
