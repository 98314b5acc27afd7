import { describe, it } from 'vitest'
import { recordStoreContract } from '../../testing/record-store-contract.ts'
import { MemoryRecordStore } from './memory-records.ts'

describe('MemoryRecordStore passes the RecordStore contract', () => {
  for (const c of recordStoreContract) {
    it(c.name, async () => {
      let shared: MemoryRecordStore | undefined
      await c.run({
        open: async () => (shared = new MemoryRecordStore()),
        reopen: async () => shared ?? new MemoryRecordStore(),
      })
    })
  }
})
