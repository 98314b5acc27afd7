/**
 * An upload that pays its hosts, end to end on the grid and the development ledger in-process:
 * the quote before the wallet is asked, one wallet signature for every host's escrow, offers the
 * hosts check on the ledger, pay on delivery once the manifest is saved, pay per audit when a window
 * is due and the host passed, and nothing half-made when the owner declines or the wallet refuses.
 */
import { describe, expect, it } from 'vitest'
import { Account, Asset, Keypair, Operation, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk/base'
import { DevLedger } from '../../relay/ledger/engine.ts'
import { inProcessLedger } from '../../relay/ledger/in-process.ts'
import { Grid } from '../testing/grid.ts'
import { collect, parts } from '../testing/memory-layr.ts'
import { createLayr } from './client.ts'
import { MemoryEscrowBook } from '../adapters/local/escrow-book.ts'
import { MemoryPaymentStore } from '../adapters/storage/memory-payments.ts'
import { WalletRejectedError, type Wallet } from '../ports/wallet.ts'
import type { Ledger } from '../ports/ledger.ts'
import { STROOPS_PER_XLM } from '../pay/amounts.ts'
import { AUDIT_WINDOWS } from '../pay/owner.ts'
import type { PaymentQuote } from '../transfer/pay.ts'

const PRICE = 5_000_000 // 0.5 XLM per GiB-month, within the owner's default limit of 1 XLM
const DAY = 86_400_000

/** A wallet that signs with a key in this test (the e2e tests use the real Freighter protocol). */
function keyWallet(key: Keypair, ledger: Ledger, behaviour: { reject?: boolean } = {}): Wallet & { signed: number } {
  const network = { passphrase: ledger.network.passphrase, name: 'Layr local ledger' }
  const w = {
    signed: 0,
    ledger: network,
    detect: async () => true,
    connect: async () => key.publicKey(),
    address: async () => key.publicKey(),
    network: async () => network,
    checkNetwork: async () => network,
    signTransaction: async (xdr: string) => {
      if (behaviour.reject) throw new WalletRejectedError('You declined to sign in Freighter.')
      w.signed++
      const tx = TransactionBuilder.fromXDR(xdr, network.passphrase) as Transaction
      tx.sign(key)
      return tx.toEnvelope().toXdr('base64')
    },
    watch: () => () => {},
  }
  return w
}

async function setup(options: { free?: number; priced?: number; reject?: boolean; price?: number } = {}) {
  const g = new Grid(1) // peer-0: the owner
  g.now = Date.now()
  const dev = new DevLedger({ clock: () => g.now })
  const ledger = inProcessLedger(dev)
  const payees: Keypair[] = []
  const stores: MemoryPaymentStore[] = []
  for (let i = 0; i < (options.priced ?? 3); i++) {
    const payee = Keypair.random()
    await ledger.fund(payee.publicKey())
    const store = new MemoryPaymentStore()
    g.add(`priced-${i}`, { payments: { store, ledger: async () => ledger, pricing: { price: options.price ?? PRICE, account: payee.publicKey() } } })
    payees.push(payee)
    stores.push(store)
  }
  for (let i = 0; i < (options.free ?? 0); i++) g.add(`free-${i}`)
  const owner = Keypair.random()
  await ledger.fund(owner.publicKey())
  const wallet = keyWallet(owner, ledger, options.reject ? { reject: true } : {})
  const book = new MemoryEscrowBook()
  const base = parts(g, 'peer-0')
  const l = await createLayr(
    { ...base, ledger: async () => ledger, wallet: async () => wallet, escrows: book, origin: 'http://127.0.0.1:9999', maintenance: { tickMs: 3600_000 } },
    { autostart: false },
  )
  await l.vault.create()
  const balance = async (k: Keypair | string): Promise<bigint> => (await ledger.loadAccount(typeof k === 'string' ? k : k.publicKey()))?.balance ?? 0n
  return { g, dev, ledger, l, owner, payees, stores, wallet, book, balance }
}

const file = (size: number): Blob => new Blob([new Uint8Array(size).map((_, i) => (i * 7 + 3) & 0xff)])

describe('an upload that pays its hosts', () => {
  it('quotes, takes one signature for every host, and the hosts are paid on delivery', async () => {
    const s = await setup({ priced: 3 })
    const before = await s.balance(s.owner)
    const quotes: PaymentQuote[] = []
    const entry = await s.l.backup(file(300_000), { name: 'paid.bin', confirmPayment: async (q) => (quotes.push(q), 'pay') })
    expect(quotes).toHaveLength(1)
    expect(quotes[0]).toMatchObject({ hosts: 3, enough: true })
    expect(quotes[0]!.costs.reserves).toBe(3n * (2n + 1n + BigInt(AUDIT_WINDOWS) + 1n) * 5_000_000n) // 2 base + K + 1 signers, per escrow
    expect(s.wallet.signed).toBe(1)
    const escrows = await s.l.payments.escrows()
    expect(escrows).toHaveLength(3)
    for (const e of escrows) {
      expect(e.offered).toBe(true)
      expect(e.state).toBe('locked')
      expect(e.windows[0]!.outcome).toBe('paid')
      expect(e.windows[0]!.state).toBe('paid')
      expect(e.windows[0]!.outcome).toBe('paid')
      expect(e.windows.slice(1).every((w) => w.state === 'open')).toBe(true)
    }
    // Each host claimed window 0 into its own account; their claims are recorded.
    for (const [i, payee] of s.payees.entries()) {
      const claims = await s.stores[i]!.claims()
      expect(claims).toHaveLength(1)
      expect(await s.balance(payee)).toBe(10_000n * STROOPS_PER_XLM + claims[0]!.amount)
    }
    // The owner paid the escrows' balances and the funding fee; the reserves come back later.
    expect(before - (await s.balance(s.owner))).toBe(quotes[0]!.total)
    const costs = await s.l.payments.costs()
    expect(costs.get(entry.id)).toEqual({ stroops: quotes[0]!.price, hosts: 3 })
    expect(await collect((sink) => s.l.restore(entry.id, sink))).toEqual(new Uint8Array(await file(300_000).arrayBuffer()))
  })

  it('reveals an audit window only once it is due and the host passed its audit; a missed window does not block the next', async () => {
    const s = await setup({ priced: 3 })
    const entry = await s.l.backup(file(100_000), { confirmPayment: async () => 'pay' })
    const audit = async () => s.l.checkHealth(entry.id)
    // Not due yet: an audit reveals nothing.
    await audit()
    expect((await s.l.payments.escrows()).every((e) => e.windows[1]!.revealedAt === undefined)).toBe(true)
    // Window 1 falls due mid-period: the next passed audit pays it.
    const period = (90 * DAY) / AUDIT_WINDOWS
    s.g.now += period / 2 + DAY
    await audit()
    let escrows = await s.l.payments.escrows()
    expect(escrows.every((e) => e.windows[1]!.state === 'paid')).toBe(true)
    expect(escrows.every((e) => e.windows[2]!.state === 'open')).toBe(true)
    // Window 2 is never audited; by window 3's due time it has been missed, and window 3 still pays.
    s.g.now += 2 * period
    await audit()
    escrows = await s.l.payments.escrows()
    for (const e of escrows) {
      expect(e.windows.map((w) => w.state)).toEqual(['paid', 'paid', 'missed', 'paid'])
      expect(e.state).toBe('closed')
    }
  })

  it('pays nothing per audit to a host that dropped the share', async () => {
    const s = await setup({ priced: 3 })
    const entry = await s.l.backup(file(100_000), { confirmPayment: async () => 'pay' })
    const victim = s.g.peer('priced-0')
    for (const r of await victim.shares.list()) await victim.shares.delete(r.key)
    s.g.now += (90 * DAY) / AUDIT_WINDOWS / 2 + DAY
    await s.l.checkHealth(entry.id).catch(() => {})
    const byHost = new Map((await s.l.payments.escrows()).map((e) => [e.host, e]))
    expect(byHost.get('priced-0')!.windows[1]!.state).toBe('open')
    expect(byHost.get('priced-1')!.windows[1]!.state).toBe('paid')
  })

  it('declined: backs up to free hosts only, and nothing reaches the ledger', async () => {
    const s = await setup({ priced: 2, free: 3 })
    const before = await s.balance(s.owner)
    const entry = await s.l.backup(file(50_000), { confirmPayment: async () => 'free' })
    expect(s.wallet.signed).toBe(0)
    expect(await s.balance(s.owner)).toBe(before)
    expect(await s.book.list()).toEqual([])
    const holders = new Set((await s.l.files()).find((f) => f.id === entry.id)!.hosts)
    expect([...holders].every((h) => h.startsWith('free-'))).toBe(true)
  })

  it('without a way to ask the owner, hosts that charge are left out', async () => {
    const s = await setup({ priced: 2, free: 3 })
    const events: string[] = []
    await s.l.backup(file(50_000), { onProgress: (e) => events.push(e.type) })
    expect(s.wallet.signed).toBe(0)
    expect(events).toContain('pay:skipped')
    expect(await s.book.list()).toEqual([])
  })

  it('a refused signature fails the backup with the wallet’s typed error, and nothing is funded', async () => {
    const s = await setup({ priced: 3, reject: true })
    const before = await s.balance(s.owner)
    await expect(s.l.backup(file(50_000), { confirmPayment: async () => 'pay' })).rejects.toMatchObject({ name: 'WalletRejectedError' })
    expect(await s.balance(s.owner)).toBe(before)
    expect(await s.book.list()).toEqual([])
    expect(await s.g.sharesHeld()).toBe(0)
  })

  it('an account that cannot pay is told so, and the wallet is never asked', async () => {
    const s = await setup({ priced: 3 })
    // Leave the owner 10 XLM: three escrows' reserves alone are 3 × 3.5 XLM.
    const sink = Keypair.random()
    await s.ledger.fund(sink.publicKey())
    const account = (await s.ledger.loadAccount(s.owner.publicKey()))!
    const tx = new TransactionBuilder(new Account(s.owner.publicKey(), account.sequence.toString()), {
      fee: '100',
      networkPassphrase: s.ledger.network.passphrase,
    })
      .addOperation(Operation.payment({ destination: sink.publicKey(), asset: Asset.native(), amount: '9990' }))
      .setTimeout(300)
      .build()
    tx.sign(s.owner)
    await s.ledger.submit(tx.toEnvelope().toXdr('base64'))
    const quotes: PaymentQuote[] = []
    await expect(s.l.backup(file(50_000), { confirmPayment: async (q) => (quotes.push(q), 'pay') })).rejects.toMatchObject({ name: 'InsufficientFundsError' })
    expect(quotes[0]!.enough).toBe(false)
    expect(s.wallet.signed).toBe(0)
    expect(await s.book.list()).toEqual([])
  })

  it('leaves hosts above the owner’s price limit out while enough others are found, and uses them when not', async () => {
    const s = await setup({ priced: 2, free: 5, price: 200_000_000 }) // 20 XLM per GiB-month, over the 1 XLM default
    const asked: PaymentQuote[] = []
    const entry = await s.l.backup(file(50_000), { confirmPayment: async (q) => (asked.push(q), 'pay') })
    expect(asked).toHaveLength(0)
    expect((await s.l.files()).find((f) => f.id === entry.id)!.hosts.every((h) => h.startsWith('free-'))).toBe(true)
    // Too few others: the expensive hosts are planned, and the owner is asked.
    const few = await setup({ priced: 3, free: 0, price: 200_000_000 })
    const quotes: PaymentQuote[] = []
    await few.l.backup(file(50_000), { confirmPayment: async (q) => (quotes.push(q), 'pay') })
    expect(quotes[0]?.hosts).toBe(3)
    await few.l.settings.setMaxPrice(300_000_000)
    expect(few.l.settings.maxPrice).toBe(300_000_000)
    await expect(few.l.settings.setMaxPrice(-1)).rejects.toMatchObject({ name: 'InvalidInputError' })
  })
})
