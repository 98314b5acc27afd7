/**
 * PaymentStore in one JSON file (a Node host's DATA/payments.json), rewritten whole and atomically
 * on every change (temp + fsync + rename + directory fsync, fs-atomic.ts): offers and claims are
 * few (a host keeps at most 64 open offers per owner) and each change is a payment, so the
 * simplicity is worth the rewrite. Amounts are kept as decimal strings (JSON has no bigint).
 */
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ClaimRecord, PaymentStore, StoredOffer } from '../../ports/payment-store.ts'
import { StorageError } from '../../ports/share-store.ts'
import { clearTmp, syncDir, toFsStoreError, writeAtomic } from './fs-atomic.ts'

interface FileShape {
  readonly version: 1
  readonly offers: readonly (Omit<StoredOffer, 'windows'> & { windows: { amount: string; deadline: number }[] })[]
  readonly claims: readonly (Omit<ClaimRecord, 'amount'> & { amount: string })[]
}

export async function openFsPaymentStore(file: string): Promise<PaymentStore> {
  const dir = dirname(file)
  const tmp = join(dir, '.payments-tmp')
  await mkdir(tmp, { recursive: true })
  await clearTmp(tmp)
  const offers = new Map<string, StoredOffer>()
  const claims: ClaimRecord[] = []
  let text: string | undefined
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toFsStoreError(err, 'reading the payments file')
  }
  if (text !== undefined) {
    let parsed: FileShape
    try {
      parsed = JSON.parse(text) as FileShape
      for (const o of parsed.offers) offers.set(o.account, { ...o, windows: o.windows.map((w) => ({ amount: BigInt(w.amount), deadline: w.deadline })) })
      for (const c of parsed.claims) claims.push({ ...c, amount: BigInt(c.amount) })
    } catch (err) {
      throw new StorageError(`${file} is damaged (${(err as Error).message}); move it away to start the host without its payment records.`)
    }
  }
  let writing = Promise.resolve()
  const save = (): Promise<void> => {
    const shape: FileShape = {
      version: 1,
      offers: [...offers.values()].map((o) => ({ ...o, windows: o.windows.map((w) => ({ amount: w.amount.toString(), deadline: w.deadline })) })),
      claims: claims.map((c) => ({ ...c, amount: c.amount.toString() })),
    }
    const bytes = new TextEncoder().encode(JSON.stringify(shape))
    // One write at a time, each the whole state as it is then.
    const next = writing
      .catch(() => {})
      .then(async () => {
        try {
          await writeAtomic(file, bytes, tmp)
          await syncDir(dir)
        } catch (err) {
          throw toFsStoreError(err, 'saving the payments file')
        }
      })
    writing = next
    return next
  }
  const copy = <T>(v: T): T => structuredClone(v)
  return {
    async putOffer(offer) {
      offers.set(offer.account, copy(offer))
      await save()
    },
    async offer(account) {
      const o = offers.get(account)
      return o && copy(o)
    },
    async offers(owner) {
      return [...offers.values()].filter((o) => owner === undefined || o.owner === owner).map(copy)
    },
    async deleteOffer(account) {
      if (offers.delete(account)) await save()
    },
    async addClaim(claim) {
      if (claims.some((c) => c.escrow === claim.escrow && c.window === claim.window)) return
      claims.push({ ...claim })
      await save()
    },
    async claims() {
      return claims.map((c) => ({ ...c })).sort((a, b) => a.at - b.at)
    },
    async close() {
      await writing.catch(() => {})
    },
  }
}
