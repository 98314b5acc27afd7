/**
 * The contract every PaymentStore adapter passes (memory in Vitest, IndexedDB inside Chromium),
 * like the record and share store ones: plain async cases with their own checks.
 */
import type { ClaimRecord, PaymentStore, StoredOffer } from '../ports/payment-store.ts'

export interface PaymentContractSetup {
  open(): Promise<PaymentStore>
  /** A new handle on the same data, as after a reload; absent for stores that forget. */
  reopen?(): Promise<PaymentStore>
}

export interface PaymentContractCase {
  readonly name: string
  run(setup: PaymentContractSetup): Promise<void>
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`contract: ${what}`)
}

const offer = (account: string, owner: string, amount = 20_000_000n): StoredOffer => ({
  account,
  owner,
  payout: 'GHOST',
  claims: ['AAAA'],
  refund: 'BBBB',
  windows: [{ amount, deadline: 1_800_000_000 }],
  refundFrom: 1_800_000_001,
  acceptedAt: 1_799_999_000_000,
})

const claim = (escrow: string, window: number, at: number, amount = 20_000_000n): ClaimRecord => ({
  escrow,
  window,
  owner: 'aa',
  amount,
  hash: 'ab'.repeat(32),
  ledger: 7,
  at,
})

export const paymentStoreContract: readonly PaymentContractCase[] = [
  {
    name: 'an offer put is read back, amounts as bigint, and listed under its owner',
    async run({ open }) {
      const s = await open()
      await s.putOffer(offer('E1', 'aa', (1n << 62n) + 3n))
      await s.putOffer(offer('E2', 'bb'))
      const back = await s.offer('E1')
      check(back?.windows[0]?.amount === (1n << 62n) + 3n, 'the amount survives as a bigint')
      check(back.claims[0] === 'AAAA' && back.refund === 'BBBB' && back.refundFrom === 1_800_000_001, 'every field is kept')
      check((await s.offers('aa')).map((o) => o.account).join() === 'E1', 'offers(owner) lists only that owner’s')
      check((await s.offers()).length === 2, 'offers() lists all')
      check((await s.offer('E3')) === undefined, 'an unknown escrow is undefined')
      await s.close()
    },
  },
  {
    name: 'putting an offer again replaces it; deleting forgets it',
    async run({ open }) {
      const s = await open()
      await s.putOffer(offer('E1', 'aa', 1n))
      await s.putOffer(offer('E1', 'aa', 2n))
      check((await s.offers('aa')).length === 1 && (await s.offer('E1'))?.windows[0]?.amount === 2n, 'one offer per escrow, the last put')
      await s.deleteOffer('E1')
      check((await s.offer('E1')) === undefined && (await s.offers()).length === 0, 'deleted')
      await s.deleteOffer('E1') // deleting again is fine
      await s.close()
    },
  },
  {
    name: 'claims are kept once per escrow and window, oldest first',
    async run({ open }) {
      const s = await open()
      await s.addClaim(claim('E1', 1, 2000))
      await s.addClaim(claim('E1', 0, 1000, 5n))
      await s.addClaim(claim('E1', 0, 3000, 9n)) // the same window again: ignored
      const all = await s.claims()
      check(all.length === 2, `two claims, got ${all.length}`)
      check(all[0]?.window === 0 && all[0].amount === 5n && all[1]?.window === 1, 'oldest first, the first record of a window kept')
      check(!('id' in all[0]), 'no adapter fields leak out')
      await s.close()
    },
  },
  {
    name: 'offers and claims survive a reopen',
    async run({ open, reopen }) {
      if (!reopen) return
      const s = await open()
      await s.putOffer(offer('E9', 'cc'))
      await s.addClaim(claim('E9', 0, 10))
      await s.close()
      const again = await reopen()
      check((await again.offer('E9'))?.owner === 'cc', 'the offer is still there')
      check((await again.claims()).length === 1, 'the claim is still there')
      await again.close()
    },
  },
]
