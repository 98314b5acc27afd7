/**
 * The Freighter wallet adapter in Chromium, through the real freighter-api code of the app's
 * bundle, against the stand-in wallet (e2e/wallet/stand-in-wallet.ts), which answers
 * Freighter's message protocol and signs in Node. Driven through `window.layrWallet` until the
 * Wallet view uses the adapter.
 */
import { expect, test, type Browser, type Page } from '@playwright/test'
import { readdirSync, readFileSync } from 'node:fs'
import { ed25519 } from '@noble/curves/ed25519.js'
import { Account, Asset, BASE_FEE, Keypair, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk'
import { installStandInWallet, STAND_IN_NETWORKS, type StandInNetwork, type StandInWallet, type StandInWalletOptions } from './wallet/stand-in-wallet.ts'
import type { Wallet, WalletNetwork, WalletState } from '../src/ports/wallet.ts'

declare global {
  interface Window {
    testWallet?: Wallet
    walletStates?: WalletState[]
  }
}

const LEDGER: WalletNetwork = { passphrase: 'Layr wallet e2e ; 2026', name: 'local' }
const ON_LEDGER: StandInNetwork = { network: 'LAYR-LOCAL', networkPassphrase: LEDGER.passphrase, networkUrl: 'http://127.0.0.1:8000' }

type Outcome = { ok: true; value: unknown; ms: number } | { ok: false; name: string; message: string; ms: number }
type Method = 'detect' | 'connect' | 'address' | 'network' | 'checkNetwork' | 'signTransaction'

/** A fresh profile with the stand-in installed (or absent), the e2e page open and a Freighter wallet made in it. */
async function open(
  browser: Browser,
  options: StandInWalletOptions = { network: ON_LEDGER },
): Promise<{ page: Page; wallet: StandInWallet; close: () => Promise<void> }> {
  const context = await browser.newContext()
  const wallet = await installStandInWallet(context, options)
  const page = await context.newPage()
  await page.goto('/?autostart=0')
  await page.waitForFunction(() => typeof window.layrWallet === 'function')
  await page.evaluate(async (ledger) => {
    const { createFreighterWallet } = await window.layrWallet()
    window.testWallet = createFreighterWallet({ ledger, watchIntervalMs: 200 })
  }, LEDGER)
  return { page, wallet, close: () => context.close() }
}

/** Calls a method of the page's wallet; a rejection comes back as its name and message. */
function call(page: Page, method: Method, ...args: unknown[]): Promise<Outcome> {
  return page.evaluate(
    async ({ method, args }) => {
      const started = performance.now()
      const fn = window.testWallet![method] as (...a: unknown[]) => Promise<unknown>
      try {
        const value = await fn(...args)
        return { ok: true as const, value, ms: performance.now() - started }
      } catch (err) {
        return { ok: false as const, name: (err as Error).name, message: (err as Error).message, ms: performance.now() - started }
      }
    },
    { method, args },
  )
}

/** A payment from `source`, for `passphrase`, unsigned, as base64 XDR. */
function unsignedPayment(source: string, passphrase: string): string {
  return new TransactionBuilder(new Account(source, '41'), { fee: BASE_FEE, networkPassphrase: passphrase })
    .addOperation(Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '2.5' }))
    .setTimeout(600)
    .build()
    .toXDR()
}

/**
 * Whether `signedXdr` carries exactly one signature by `address` over the transaction's hash for
 * `passphrase`, checked with noble (not stellar-sdk): with one signature, a v1 envelope ends
 * with hint(4) ‖ length(4) = 64 ‖ signature(64).
 */
function signedBy(signedXdr: string, address: string, passphrase: string): boolean {
  const tx = TransactionBuilder.fromXDR(signedXdr, passphrase)
  if (tx.signatures.length !== 1) return false
  const envelope = Buffer.from(signedXdr, 'base64')
  const signature = envelope.subarray(envelope.length - 64)
  const publicKey = Keypair.fromPublicKey(address).rawPublicKey()
  return ed25519.verify(signature, tx.hash(), publicKey)
}

test.describe('Freighter wallet, with the stand-in', () => {
  test('detect and connect give the stand-in’s address and network', async ({ browser }) => {
    const { page, wallet, close } = await open(browser)
    try {
      expect(await call(page, 'detect')).toMatchObject({ ok: true, value: true })
      expect(await call(page, 'address')).toMatchObject({ ok: false, name: 'WalletNotConnectedError' })
      expect(await call(page, 'connect')).toMatchObject({ ok: true, value: wallet.publicKey })
      expect(await call(page, 'address')).toMatchObject({ ok: true, value: wallet.publicKey })
      expect(await call(page, 'network')).toMatchObject({
        ok: true,
        value: { passphrase: LEDGER.passphrase, name: 'LAYR-LOCAL', horizonUrl: ON_LEDGER.networkUrl },
      })
      expect(wallet.requests.map((r) => r.type)).toEqual(
        expect.arrayContaining(['REQUEST_CONNECTION_STATUS', 'REQUEST_ACCESS', 'REQUEST_PUBLIC_KEY', 'REQUEST_NETWORK_DETAILS']),
      )
    } finally {
      await close()
    }
  })

  test('a transaction comes back signed by the stand-in’s key, over the ledger’s passphrase', async ({ browser }) => {
    const { page, wallet, close } = await open(browser, { network: ON_LEDGER, allowed: true })
    try {
      const xdr = unsignedPayment(wallet.publicKey, LEDGER.passphrase)
      const signed = await call(page, 'signTransaction', xdr, { address: wallet.publicKey })
      expect(signed).toMatchObject({ ok: true })
      const signedXdr = (signed as { value: string }).value
      expect(signedXdr).not.toBe(xdr)
      expect(signedBy(signedXdr, wallet.publicKey, LEDGER.passphrase)).toBe(true)
      // Over another passphrase it is not a valid signature: the passphrase was really sent and used.
      expect(signedBy(signedXdr, wallet.publicKey, Networks.PUBLIC)).toBe(false)
      expect(signedBy(signedXdr, Keypair.random().publicKey(), LEDGER.passphrase)).toBe(false)
      const submit = wallet.requests.find((r) => r.type === 'SUBMIT_TRANSACTION')
      expect(submit).toMatchObject({ transactionXdr: xdr, networkPassphrase: LEDGER.passphrase, accountToSign: wallet.publicKey })
      expect(wallet.signed).toHaveLength(1)
    } finally {
      await close()
    }
  })

  test('a declined signature or connection is WalletRejectedError, and nothing is signed', async ({ browser }) => {
    const { page, wallet, close } = await open(browser, { network: ON_LEDGER, decide: 'reject' })
    try {
      expect(await call(page, 'connect')).toMatchObject({ ok: false, name: 'WalletRejectedError' })
      const rejected = await call(page, 'signTransaction', unsignedPayment(wallet.publicKey, LEDGER.passphrase))
      expect(rejected).toMatchObject({ ok: false, name: 'WalletRejectedError', message: expect.stringMatching(/declined in Freighter/) })
      expect(wallet.requests.some((r) => r.type === 'SUBMIT_TRANSACTION')).toBe(true)
      expect(wallet.signed).toHaveLength(0)
      // Approving the next one works: the refusal left nothing stuck.
      wallet.decide = 'approve'
      expect(await call(page, 'signTransaction', unsignedPayment(wallet.publicKey, LEDGER.passphrase))).toMatchObject({ ok: true })
    } finally {
      await close()
    }
  })

  test('without the extension: WalletMissingError within 3 s, not a hang', async ({ browser }) => {
    const { page, close } = await open(browser, { absent: true })
    try {
      const detected = await call(page, 'detect')
      expect(detected).toMatchObject({ ok: true, value: false })
      expect(detected.ms).toBeLessThan(3000)
      for (const method of ['connect', 'signTransaction'] as const) {
        const outcome = await call(page, method, ...(method === 'signTransaction' ? ['AAAA'] : []))
        expect(outcome).toMatchObject({ ok: false, name: 'WalletMissingError', message: expect.stringMatching(/Install the Freighter extension.*free/) })
        expect(outcome.ms).toBeLessThan(3000)
      }
    } finally {
      await close()
    }
  })

  test('Freighter on another network: WalletNetworkError naming both, before any signing request', async ({ browser }) => {
    const { page, wallet, close } = await open(browser, { network: STAND_IN_NETWORKS.testnet, allowed: true })
    try {
      // Freighter connects on any network; only signing is refused.
      expect(await call(page, 'connect')).toMatchObject({ ok: true, value: wallet.publicKey })
      const wrong = await call(page, 'signTransaction', unsignedPayment(wallet.publicKey, LEDGER.passphrase))
      expect(wrong).toMatchObject({ ok: false, name: 'WalletNetworkError' })
      expect((wrong as { message: string }).message).toContain('“TESTNET”')
      expect((wrong as { message: string }).message).toContain('“local”')
      expect(wallet.requests.some((r) => r.type === 'SUBMIT_TRANSACTION')).toBe(false)
      expect(await call(page, 'checkNetwork')).toMatchObject({ ok: false, name: 'WalletNetworkError' })
    } finally {
      await close()
    }
  })

  test('account and network switches are followed', async ({ browser }) => {
    const { page, wallet, close } = await open(browser, { network: ON_LEDGER, allowed: true })
    try {
      await page.evaluate(() => {
        window.walletStates = []
        window.testWallet!.watch((s) => window.walletStates!.push(s))
      })
      const states = () => page.evaluate(() => window.walletStates!)
      const first = wallet.publicKey
      await expect.poll(states).toEqual([{ address: first, network: { passphrase: LEDGER.passphrase, name: 'LAYR-LOCAL' }, networkMatches: true }])

      const second = wallet.switchAccount()
      await expect.poll(async () => (await states()).at(-1)?.address).toBe(second)
      // Signing for the account the app last saw is refused before Freighter is asked.
      const stale = await call(page, 'signTransaction', unsignedPayment(first, LEDGER.passphrase), { address: first })
      expect(stale).toMatchObject({ ok: false, name: 'WalletAccountError' })
      expect(wallet.signed).toHaveLength(0)

      wallet.switchNetwork(STAND_IN_NETWORKS.testnet)
      await expect
        .poll(async () => (await states()).at(-1))
        .toEqual({
          address: second,
          network: { passphrase: Networks.TESTNET, name: 'TESTNET' },
          networkMatches: false,
        })
    } finally {
      await close()
    }
  })

  test('the bundle still speaks Freighter’s message protocol', async ({ page }) => {
    // The chunk the page loads for window.layrWallet, as the relay serves it, and the e2e build on disk.
    await page.goto('/?autostart=0')
    const chunks = readdirSync('dist-e2e/assets').filter((f) => f.endsWith('.js'))
    const speaking = chunks.filter((f) => readFileSync(`dist-e2e/assets/${f}`, 'utf8').includes('FREIGHTER_EXTERNAL_MSG_REQUEST'))
    expect(speaking.length).toBeGreaterThan(0)
    const served = await page.request.get(`/assets/${speaking[0]}`)
    const body = await served.text()
    for (const word of ['FREIGHTER_EXTERNAL_MSG_REQUEST', 'FREIGHTER_EXTERNAL_MSG_RESPONSE', 'messagedId', 'SUBMIT_TRANSACTION']) expect(body).toContain(word)
  })
})
