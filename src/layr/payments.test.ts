/**
 * The facade's payment parts: the ledger setting, the ledger and wallet parts (made by the factories
 * the parts give), and a host's price and payout account reaching its ShareHost.
 */
import { describe, expect, it } from 'vitest'
import { Keypair } from '@stellar/stellar-sdk/base'
import { DevLedger } from '../../relay/ledger/engine.ts'
import { inProcessLedger } from '../../relay/ledger/in-process.ts'
import { Grid } from '../testing/grid.ts'
import { parts } from '../testing/memory-layr.ts'
import { createLayr } from './client.ts'
import { LOCAL_PASSPHRASE, TESTNET, type LedgerNetwork } from '../ports/ledger.ts'
import { STROOPS_PER_XLM } from '../pay/amounts.ts'
import { ShareHost } from '../net/share/host.ts'
import { MemoryShareStore } from '../adapters/storage/memory.ts'
import { MemoryPaymentStore } from '../adapters/storage/memory-payments.ts'

async function layr() {
  const g = new Grid(2)
  const dev = new DevLedger()
  const made: LedgerNetwork[] = []
  const base = parts(g, 'peer-0')
  let host: ShareHost | undefined
  const p = {
    ...base,
    // A host made as the browser's runtime makes it: with payment options, kept beside its shares.
    peers: {
      ...base.peers,
      host: async (quota: number, _db: string, payments?: Parameters<typeof base.peers.host>[2]) =>
        (host ??= new ShareHost(new MemoryShareStore(), 'peer-0', quota, payments ? { payments: { store: new MemoryPaymentStore(), ...payments } } : {})),
    },
    origin: 'http://127.0.0.1:9999',
    ledger: async (network: LedgerNetwork) => (made.push(network), inProcessLedger(dev)),
  }
  return { l: await createLayr(p, { autostart: false }), made, host: () => host }
}

describe('the ledger setting', () => {
  it('is the relay’s own /ledger by default, testnet or a custom Horizon when chosen, and refuses one that cannot be used', async () => {
    const { l } = await layr()
    expect(l.settings.ledger).toEqual({ kind: 'local' })
    expect(l.settings.ledgerNetwork).toMatchObject({ kind: 'local', horizonUrl: 'http://127.0.0.1:9999/ledger', passphrase: LOCAL_PASSPHRASE })
    expect(l.ledger.canFund).toBe(true)
    await l.settings.setLedger({ kind: 'testnet' })
    expect(l.settings.ledgerNetwork).toEqual(TESTNET)
    await l.settings.setLedger({ kind: 'custom', horizonUrl: 'https://horizon.example.org/', passphrase: 'Example ; 2026' })
    expect(l.settings.ledgerNetwork).toEqual({ kind: 'custom', horizonUrl: 'https://horizon.example.org', passphrase: 'Example ; 2026' })
    expect(l.ledger.canFund).toBe(false)
    for (const bad of [
      { kind: 'custom', horizonUrl: 'javascript:alert(1)', passphrase: 'x' },
      { kind: 'custom', horizonUrl: 'https://h.example.org', passphrase: '  ' },
      { kind: 'custom', horizonUrl: 'https://h.example.org?x=1', passphrase: 'x' },
    ] as const) {
      await expect(l.settings.setLedger(bad)).rejects.toMatchObject({ name: 'InvalidInputError' })
    }
    expect(l.settings.ledger).toMatchObject({ horizonUrl: 'https://horizon.example.org/' })
  })

  it('the ledger part reads balances and funds through the ledger of the setting, made again when it changes', async () => {
    const { l, made } = await layr()
    const id = Keypair.random().publicKey()
    expect(await l.ledger.balance(id)).toBeUndefined()
    await l.ledger.fund(id)
    expect(await l.ledger.balance(id)).toBe(10_000n * STROOPS_PER_XLM)
    expect(made).toHaveLength(1)
    await l.settings.setLedger({ kind: 'testnet' })
    await l.ledger.balance(id)
    expect(made.map((n) => n.kind)).toEqual(['local', 'testnet'])
  })

  it('without a wallet factory, the wallet part fails with a WalletError (and watch reports it)', async () => {
    const { l } = await layr()
    await expect(l.wallet.detect()).rejects.toMatchObject({ name: 'WalletError' })
    const errors: string[] = []
    l.wallet.watch(
      () => {},
      (e) => errors.push(e.name),
    )
    await new Promise((r) => setTimeout(r, 10))
    expect(errors).toEqual(['WalletError'])
    expect(l.wallet.ledger).toMatchObject({ passphrase: LOCAL_PASSPHRASE, name: 'Layr local ledger' })
  })
})

describe('a host’s price', () => {
  const account = Keypair.random().publicKey()

  it('is free by default; a price needs a valid payout account; saved, it reaches the host (STAT)', async () => {
    const { l, host } = await layr()
    expect([l.hosting.price, l.hosting.payoutAccount]).toEqual([0, undefined])
    await expect(l.hosting.setPricing({ price: 5 })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(/payout account/) })
    await expect(l.hosting.setPricing({ price: 5, account: 'GABC' })).rejects.toMatchObject({ name: 'InvalidInputError' })
    await expect(l.hosting.setPricing({ price: -1, account })).rejects.toMatchObject({ name: 'InvalidInputError' })
    await expect(l.hosting.setPricing({ price: 1.5, account })).rejects.toMatchObject({ name: 'InvalidInputError' })
    await l.hosting.setPricing({ price: 20_000_000, account: ` ${account} ` })
    expect([l.hosting.price, l.hosting.payoutAccount]).toEqual([20_000_000, account])
    await l.hosting.start()
    expect(await l.hosting.earnings()).toEqual({ total: 0n, claims: [] })
    expect(await host()!.handle({ type: 'stat' })).toMatchObject({ status: 'ok', stat: { price: 20_000_000, account } })
    // Applied at once to the running host; back to free, STAT announces no price.
    await l.hosting.setPricing({ price: 0, account })
    const free = await host()!.handle({ type: 'stat' })
    expect(free.status === 'ok' && free.stat).not.toHaveProperty('price')
  })
})
