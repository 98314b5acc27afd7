import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { paymentStoreContract } from '../../testing/payment-store-contract.ts'
import { openFsPaymentStore } from './fs-payments.ts'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

describe('the file PaymentStore (a Node host) passes the PaymentStore contract', () => {
  for (const c of paymentStoreContract) {
    it(c.name, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'layr-pay-'))
      dirs.push(dir)
      const file = join(dir, 'payments.json')
      await c.run({ open: () => openFsPaymentStore(file), reopen: () => openFsPaymentStore(file) })
    })
  }

  it('a damaged file is a StorageError that says what to do, not a host that forgets it was paid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'layr-pay-'))
    dirs.push(dir)
    await writeFile(join(dir, 'payments.json'), '{"version":1,"offers":[{')
    await expect(openFsPaymentStore(join(dir, 'payments.json'))).rejects.toMatchObject({ name: 'StorageError', message: /move it away/ })
  })
})
