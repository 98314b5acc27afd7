import { describe, it } from 'vitest'
import { shareStoreContract } from '../../testing/share-store-contract.ts'
import { MemoryShareStore } from './memory.ts'

describe('MemoryShareStore passes the ShareStore contract', () => {
  for (const c of shareStoreContract) {
    it(c.name, async () => {
      let shared: MemoryShareStore | undefined
      await c.run({
        open: async () => (shared = new MemoryShareStore()),
        // Memory survives a "reopen" only as the same object: that is what the fake grid uses.
        reopen: async () => shared ?? new MemoryShareStore(),
        openSmall: async () => ({ store: new MemoryShareStore(10_000), capacity: 10_000 }),
      })
    })
  }
})
