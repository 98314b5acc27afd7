import '../polyfill.ts' // startRelay runs libp2p, which needs it on Node 20
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Account, Asset, Horizon, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk'
import { createHttpServer } from '../http.ts'
import { startRelay } from '../relay.ts'
import { createHorizonLedger } from '../../src/adapters/ledger/horizon.ts'
import { LOCAL_PASSPHRASE, localNetwork, type Ledger } from '../../src/ports/ledger.ts'
import { LEDGER_PREFIX, ledgerHandler, MAX_BODY_BYTES } from './horizon.ts'
import { openLedgerFile, type LedgerFile } from './store.ts'

const XLM = 10_000_000n

interface Running {
  server: Server
  file: LedgerFile
  origin: string
  ledger: Ledger
}

let dir: string
const running: Running[] = []

async function start(testClock = false, path = join(dir, 'ledger.json')): Promise<Running> {
  const file = await openLedgerFile(path)
  const server = createHttpServer({
    staticDir: join(dir, 'no-app'),
    routes: new Map(),
    prefixes: new Map([[LEDGER_PREFIX, ledgerHandler({ ledger: file.ledger, flush: file.flush, testClock })]]),
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const r = { server, file, origin, ledger: createHorizonLedger(localNetwork(origin)) }
  running.push(r)
  return r
}

async function stop(r: Running): Promise<void> {
  await new Promise<void>((resolve) => {
    r.server.close(() => resolve())
    r.server.closeAllConnections()
  })
  await r.file.close()
  running.splice(running.indexOf(r), 1)
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'layr-ledger-'))
})

afterEach(async () => {
  for (const r of [...running]) await stop(r)
  await rm(dir, { recursive: true, force: true })
})

function payment(from: Keypair, sequence: bigint, to: string, amount: string): string {
  const tx = new TransactionBuilder(new Account(from.publicKey(), sequence.toString()), { fee: '100', networkPassphrase: LOCAL_PASSPHRASE })
    .addOperation(Operation.payment({ destination: to, asset: Asset.native(), amount }))
    .setTimeout(0)
    .build()
  tx.sign(from)
  return tx.toEnvelope().toXdr('base64')
}

async function post(url: string, body: string, type = 'application/x-www-form-urlencoded'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body })
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> }
}

describe('the dev ledger over HTTP', () => {
  it('stellar-sdk’s Horizon.Server talks to it over 127.0.0.1, and it says it is not a blockchain', async () => {
    const { origin } = await start()
    const server = new Horizon.Server(`${origin}/ledger`, { allowHttp: true })
    const root = (await server.root()) as unknown as Record<string, unknown>
    expect(root.network_passphrase).toBe(LOCAL_PASSPHRASE)
    expect(String(root.network_passphrase)).toMatch(/not a blockchain/)
    expect(JSON.stringify(root.layr_dev_ledger)).toMatch(/not a blockchain/)
    expect(await server.fetchBaseFee()).toBe(100)
    const alice = Keypair.random()
    const bob = Keypair.random()
    await server.friendbot(alice.publicKey()).call()
    await server.friendbot(bob.publicKey()).call()
    const account = await server.loadAccount(alice.publicKey())
    expect(account.balances[0]?.balance).toBe('10000.0000000')
    // The full submit path, SEP-29 memo check included (it loads the destination's data).
    const tx = new TransactionBuilder(account, { fee: '100', networkPassphrase: LOCAL_PASSPHRASE })
      .addOperation(Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: '12.5' }))
      .setTimeout(await server.fetchTimebounds(60).then((t) => t.maxTime - Math.floor(Date.now() / 1000)))
      .build()
    tx.sign(alice)
    const result = await server.submitTransaction(tx)
    expect(result.successful).toBe(true)
    expect((await server.loadAccount(bob.publicKey())).balances[0]?.balance).toBe('10012.5000000')
    const payments = await server.payments().forAccount(bob.publicKey()).call()
    expect(payments.records.map((r) => r.type)).toEqual(['create_account', 'payment'])
  })

  it('the Horizon adapter: accounts, submit, transactions, payments, close time, friendbot', async () => {
    const { ledger } = await start()
    const alice = Keypair.random()
    const bob = Keypair.random()
    expect(await ledger.loadAccount(alice.publicKey())).toBeUndefined()
    await ledger.fund(alice.publicKey())
    await ledger.fund(bob.publicKey())
    const a = (await ledger.loadAccount(alice.publicKey()))!
    expect(a).toMatchObject({ balance: 10_000n * XLM, subentries: 0, masterWeight: 1, thresholds: { low: 0, med: 0, high: 0 }, numSponsoring: 0 })
    expect(a.signers).toEqual([{ key: alice.publicKey(), type: 'ed25519', weight: 1 }])
    const submitted = await ledger.submit(payment(alice, a.sequence, bob.publicKey(), '3'))
    expect(submitted.feeCharged).toBe(100n)
    expect((await ledger.transaction(submitted.hash))?.successful).toBe(true)
    expect(await ledger.transaction('0'.repeat(64))).toBeUndefined()
    const list = await ledger.payments(bob.publicKey())
    expect(list.map((p) => [p.type, p.amount])).toEqual([
      ['create_account', 10_000n * XLM],
      ['payment', 3n * XLM],
    ])
    const page = await ledger.payments(bob.publicKey(), { limit: 1, order: 'desc' })
    expect(page.map((p) => p.type)).toEqual(['payment'])
    expect(Math.abs((await ledger.closeTime()) - Date.now() / 1000)).toBeLessThan(5)
    expect(await ledger.baseFee()).toBe(100n)
    await expect(ledger.fund(alice.publicKey())).rejects.toMatchObject({ name: 'TransactionRejectedError', operations: ['op_already_exists'] })
  })

  it('refusals come back in Horizon’s shape, and as TransactionRejectedError with the codes', async () => {
    const { origin, ledger } = await start()
    const alice = Keypair.random()
    const bob = Keypair.random()
    await ledger.fund(alice.publicKey())
    await ledger.fund(bob.publicKey())
    const seq = (await ledger.loadAccount(alice.publicKey()))!.sequence
    const stale = payment(alice, seq - 1n, bob.publicKey(), '1')
    const raw = await post(`${origin}/ledger/transactions`, `tx=${encodeURIComponent(stale)}`)
    expect(raw.status).toBe(400)
    expect(raw.json).toMatchObject({
      type: 'https://stellar.org/horizon-errors/transaction_failed',
      status: 400,
      extras: { envelope_xdr: stale, result_codes: { transaction: 'tx_bad_seq' } },
    })
    expect(typeof (raw.json.extras as Record<string, unknown>).result_xdr).toBe('string')
    await expect(ledger.submit(stale)).rejects.toMatchObject({ name: 'TransactionRejectedError', transaction: 'tx_bad_seq', operations: [] })
    await expect(ledger.submit(payment(alice, seq, Keypair.random().publicKey(), '1'))).rejects.toMatchObject({
      name: 'TransactionRejectedError',
      transaction: 'tx_failed',
      operations: ['op_no_destination'],
    })
    await expect(ledger.submit(payment(alice, seq + 1n, bob.publicKey(), '20000'))).rejects.toMatchObject({
      transaction: 'tx_failed',
      operations: ['op_underfunded'],
    })
    const malformed = await post(`${origin}/ledger/transactions`, 'tx=AAAA')
    expect(malformed).toMatchObject({ status: 400, json: { type: 'https://stellar.org/horizon-errors/transaction_malformed' } })
    await expect(ledger.submit('AAAA')).rejects.toMatchObject({ transaction: 'tx_malformed' })
    const missing = await fetch(`${origin}/ledger/accounts/${Keypair.random().publicKey()}`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ type: 'https://stellar.org/horizon-errors/not_found', status: 404 })
  })

  it('bounds what it reads: bodies over the limit are refused with 413', async () => {
    const { origin } = await start()
    const big = await post(`${origin}/ledger/transactions`, `tx=${'A'.repeat(MAX_BODY_BYTES + 1)}`)
    expect(big.status).toBe(413)
    const page = await fetch(`${origin}/ledger/accounts/${Keypair.random().publicKey()}/payments?limit=201`)
    expect(page.status).toBe(400)
  })

  it('serves CORS for wallets, and the security headers of every relay response', async () => {
    const { origin } = await start()
    const res = await fetch(`${origin}/ledger`)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
    const pre = await fetch(`${origin}/ledger/transactions`, { method: 'OPTIONS' })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/POST/)
  })

  it('moves its clock over HTTP only when configured for tests', async () => {
    const off = await start(false, join(dir, 'a.json'))
    expect((await post(`${off.origin}/ledger/_clock`, '{"advance":60}', 'application/json')).status).toBe(404)
    const on = await start(true, join(dir, 'b.json'))
    const before = await on.ledger.closeTime()
    const moved = await post(`${on.origin}/ledger/_clock`, '{"advance":86400}', 'application/json')
    expect(moved.status).toBe(200)
    expect(await on.ledger.closeTime()).toBeGreaterThanOrEqual(before + 86400)
    expect((await post(`${on.origin}/ledger/_clock`, `{"set":${before}}`, 'application/json')).status).toBe(400)
  })

  it('keeps its state across a restart (the file is written before a submission is answered)', async () => {
    const path = join(dir, 'keep', 'ledger.json')
    const first = await start(false, path)
    const alice = Keypair.random()
    const bob = Keypair.random()
    await first.ledger.fund(alice.publicKey())
    await first.ledger.fund(bob.publicKey())
    const seq = (await first.ledger.loadAccount(alice.publicKey()))!.sequence
    await first.ledger.submit(payment(alice, seq, bob.publicKey(), '7'))
    const text = await readFile(path, 'utf8')
    expect(text).toMatch(/not a blockchain/)
    const ledgerSeq = first.file.ledger.ledgerSeq
    await stop(first)
    const second = await start(false, path)
    expect(second.file.ledger.ledgerSeq).toBe(ledgerSeq)
    expect((await second.ledger.loadAccount(bob.publicKey()))?.balance).toBe(10_007n * XLM)
    await expect(second.ledger.submit(payment(alice, seq, bob.publicKey(), '7'))).resolves.toBeDefined() // the same envelope: its recorded result
    expect((await second.ledger.loadAccount(bob.publicKey()))?.balance).toBe(10_007n * XLM)
    await expect(second.ledger.submit(payment(alice, seq, bob.publicKey(), '8'))).rejects.toMatchObject({ transaction: 'tx_bad_seq' })
  })

  it('refuses to start on a file that is not a ledger, and never overwrites it', async () => {
    const path = join(dir, 'junk.json')
    await import('node:fs/promises').then((fs) => fs.writeFile(path, 'not json'))
    await expect(openLedgerFile(path)).rejects.toThrow(/not JSON/)
    expect(await readFile(path, 'utf8')).toBe('not json')
  })
})

describe('the relay serves the dev ledger', () => {
  let relayDir: string
  afterAll(async () => {
    if (relayDir) await rm(relayDir, { recursive: true, force: true })
  })

  it('under /ledger on its own address, next to the app, with its security headers', async () => {
    relayDir = await mkdtemp(join(tmpdir(), 'layr-relay-ledger-'))
    const relay = await startRelay(
      { host: '127.0.0.1', port: 0, staticDir: join(relayDir, 'no-app'), ledger: { file: join(relayDir, 'ledger.json'), testClock: false } },
      {
        keyFile: join(relayDir, 'relay-key'),
        bootstrap: [],
        privateNetwork: true,
        announce: [],
        relayDataLimitBytes: 64 * 1024,
        relayDurationLimitMs: 30_000,
        maxReservations: 16,
      },
    )
    try {
      expect(relay.ledgerUrl).toBe(`http://127.0.0.1:${relay.port}/ledger`)
      const res = await fetch(relay.ledgerUrl!)
      expect(res.status).toBe(200)
      expect(((await res.json()) as Record<string, unknown>).network_passphrase).toBe(LOCAL_PASSPHRASE)
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect((await fetch(`${relay.ledgerUrl}/_clock`, { method: 'POST', body: '{"advance":1}' })).status).toBe(404)
      const health = await fetch(`http://127.0.0.1:${relay.port}/health`)
      expect(health.status).toBe(200)
    } finally {
      await relay.stop()
    }
  }, 30_000)
})
