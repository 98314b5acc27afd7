import { describe, it } from 'vitest'
import { paymentStoreContract } from '../../testing/payment-store-contract.ts'
import { MemoryPaymentStore } from './memory-payments.ts'

describe('MemoryPaymentStore passes the PaymentStore contract', () => {
  for (const c of paymentStoreContract) {
    it(c.name, async () => {
      let shared: MemoryPaymentStore | undefined
      await c.run({
        open: async () => (shared = new MemoryPaymentStore()),
        reopen: async () => shared ?? new MemoryPaymentStore(),
      })
    })
  }
})
