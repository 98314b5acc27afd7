import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createFreighterWallet, signedXdrOf, walletErrorOf, type FreighterApi, type FreighterWatchParams } from './freighter.ts'
import type { WalletNetwork } from '../../ports/wallet.ts'

const LEDGER: WalletNetwork = { passphrase: 'Layr unit ledger ; 2026', name: 'local' }
const TESTNET = { network: 'TESTNET', networkUrl: 'https://horizon-testnet.stellar.org', networkPassphrase: 'Test SDF Network ; September 2015' }
const ON_LEDGER = { network: 'LOCAL', networkUrl: 'http://127.0.0.1:1/', networkPassphrase: LEDGER.passphrase }
const ADDRESS = 'GBWALLETADDRESS'
const DECLINED = { code: -4, message: 'The user rejected this request.' }
const INTERNAL = { code: -1, message: 'The wallet encountered an internal error. Please try again or contact the wallet if the problem persists.' }
const never = <T>() => new Promise<T>(() => {})

/** A stand-in for the freighter-api module: each entry is what that call resolves with, or a function that produces it (and may throw). */
function fakeApi(answers: {
  isConnected?: unknown
  requestAccess?: unknown
  getAddress?: unknown
  getNetworkDetails?: unknown
  signTransaction?: unknown
  watch?: FreighterWatchParams[]
}) {
  const calls: { sign: { xdr: string; opts: unknown }[] } = { sign: [] }
  const answer = async (v: unknown): Promise<unknown> => (typeof v === 'function' ? (v as () => unknown)() : v)
  const api: FreighterApi = {
    isConnected: () => answer(answers.isConnected ?? { isConnected: true }),
    requestAccess: () => answer(answers.requestAccess ?? { address: ADDRESS }),
    getAddress: () => answer(answers.getAddress ?? { address: ADDRESS }),
    getNetworkDetails: () => answer(answers.getNetworkDetails ?? ON_LEDGER),
    signTransaction: (xdr, opts) => {
      calls.sign.push({ xdr, opts })
      return answer(answers.signTransaction ?? { signedTxXdr: `signed:${xdr}`, signerAddress: ADDRESS })
    },
    WatchWalletChanges: class {
      watch(cb: (p: FreighterWatchParams) => void) {
        for (const p of answers.watch ?? []) cb(p)
        return {}
      }
      stop() {}
    },
  }
  return { api, calls }
}

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message }
  }
  throw new Error('expected a rejection')
}

describe('walletErrorOf: what Freighter reports, as the port’s errors', () => {
  it.each([
    ['6.x error field, declined', 'WalletRejectedError', DECLINED],
    ['the declined code, whatever the words', 'WalletRejectedError', { code: -4, message: 'Anfrage abgelehnt' }],
    ['6.x error field, internal', 'WalletError', INTERNAL],
    ['an unknown code', 'WalletError', { code: -3, message: 'Something else' }],
    ['older releases: a thrown string', 'WalletRejectedError', 'User declined access'],
    ['older releases: a thrown Error', 'WalletRejectedError', new Error('Request rejected by user')],
    ['a thrown Error of another kind', 'WalletError', new Error('boom')],
    ['freighter-api outside a browser', 'WalletMissingError', { code: -1, message: 'Node environment is not supported' }],
  ])('%s → %s', (_, name, reported) => {
    expect(walletErrorOf(reported)?.name).toBe(name)
  })

  it.each([undefined, null, ''])('no error for %j', (reported) => {
    expect(walletErrorOf(reported)).toBeUndefined()
  })
})

describe('signedXdrOf: both return shapes of signTransaction', () => {
  it.each([
    ['6.x object', { signedTxXdr: 'AAAA', signerAddress: ADDRESS }, { xdr: 'AAAA', signer: ADDRESS }],
    ['the raw protocol answer', { signedTransaction: 'AAAA', signerAddress: ADDRESS }, { xdr: 'AAAA', signer: ADDRESS }],
    ['older releases: a bare string', 'AAAA', { xdr: 'AAAA', signer: undefined }],
  ])('%s', (_, result, expected) => {
    expect(signedXdrOf(result)).toEqual(expected)
  })

  it.each([
    ['6.x declined', 'WalletRejectedError', { signedTxXdr: '', signerAddress: '', error: DECLINED }],
    ['6.x internal error', 'WalletError', { signedTxXdr: '', signerAddress: '', error: INTERNAL }],
    ['raw answer declined', 'WalletRejectedError', { apiError: DECLINED, error: DECLINED.message }],
    ['empty answer', 'WalletError', { signedTxXdr: '', signerAddress: '' }],
    ['nothing', 'WalletError', undefined],
  ])('%s → %s', (_, name, result) => {
    expect(() => signedXdrOf(result)).toThrow(expect.objectContaining({ name }) as Error)
  })
})

describe('the Freighter adapter', () => {
  it('detects the extension, connects and reads address and network', async () => {
    const w = createFreighterWallet({ ledger: LEDGER, api: fakeApi({}).api })
    expect(await w.detect()).toBe(true)
    expect(await w.connect()).toBe(ADDRESS)
    expect(await w.address()).toBe(ADDRESS)
    expect(await w.network()).toEqual({ passphrase: LEDGER.passphrase, name: 'LOCAL', horizonUrl: 'http://127.0.0.1:1/' })
  })

  it('a missing extension: detect is false and every call is WalletMissingError, without hanging', async () => {
    // freighter-api answers {isConnected:false} after 2 s; the other calls would never answer.
    const { api, calls } = fakeApi({ isConnected: { isConnected: false }, getNetworkDetails: never, requestAccess: never, signTransaction: never })
    const w = createFreighterWallet({ ledger: LEDGER, api })
    expect(await w.detect()).toBe(false)
    for (const call of [w.connect(), w.address(), w.network(), w.signTransaction('AAAA')]) {
      const err = await failure(call)
      expect(err.name).toBe('WalletMissingError')
      expect(err.message).toMatch(/Install the Freighter extension/)
      expect(err.message).toMatch(/free/)
    }
    expect(calls.sign).toHaveLength(0)
  }, 5000)

  it('detect gives up on its own when isConnected never answers', async () => {
    const w = createFreighterWallet({ ledger: LEDGER, api: fakeApi({ isConnected: never }).api, detectTimeoutMs: 50 })
    expect(await w.detect()).toBe(false)
  })

  it('a call that needs no click and never comes back is a WalletError, not a hang', async () => {
    const w = createFreighterWallet({ ledger: LEDGER, api: fakeApi({ getNetworkDetails: never }).api, answerTimeoutMs: 50 })
    const err = await failure(w.network())
    expect(err.name).toBe('WalletError')
    expect(err.message).toMatch(/did not answer/)
  })

  it('not connected: an empty address is WalletNotConnectedError', async () => {
    const w = createFreighterWallet({ ledger: LEDGER, api: fakeApi({ getAddress: { address: '' } }).api })
    expect((await failure(w.address())).name).toBe('WalletNotConnectedError')
  })

  it.each([
    ['6.x', { address: '', error: DECLINED }],
    ['older, thrown', () => Promise.reject(new Error('User declined access'))],
  ])('connect declined (%s) is WalletRejectedError', async (_, answer) => {
    const w = createFreighterWallet({ ledger: LEDGER, api: fakeApi({ requestAccess: answer }).api })
    expect((await failure(w.connect())).name).toBe('WalletRejectedError')
  })

  it('signing always sends the ledger passphrase and returns the signed envelope', async () => {
    const { api, calls } = fakeApi({})
    const w = createFreighterWallet({ ledger: LEDGER, api })
    expect(await w.signTransaction('AAAA')).toBe('signed:AAAA')
    expect(await w.signTransaction('BBBB', { address: ADDRESS })).toBe('signed:BBBB')
    expect(calls.sign).toEqual([
      { xdr: 'AAAA', opts: { networkPassphrase: LEDGER.passphrase } },
      { xdr: 'BBBB', opts: { networkPassphrase: LEDGER.passphrase, address: ADDRESS } },
    ])
  })

  it.each([
    ['6.x: error in the result', { signedTxXdr: '', signerAddress: '', error: DECLINED }, 'WalletRejectedError'],
    ['older: a thrown string', () => Promise.reject('User declined access'), 'WalletRejectedError'],
    ['older: a bare string is the signed XDR', () => 'signed-string', 'ok'],
    ['6.x: internal error', { signedTxXdr: '', signerAddress: '', error: INTERNAL }, 'WalletError'],
  ])('signing, %s → %s', async (_, answer, expected) => {
    const w = createFreighterWallet({ ledger: LEDGER, api: fakeApi({ signTransaction: answer }).api })
    if (expected === 'ok') expect(await w.signTransaction('AAAA')).toBe('signed-string')
    else expect((await failure(w.signTransaction('AAAA'))).name).toBe(expected)
  })

  it('another network is WalletNetworkError naming both, before anything is sent to sign', async () => {
    const { api, calls } = fakeApi({ getNetworkDetails: TESTNET })
    const w = createFreighterWallet({ ledger: LEDGER, api })
    const err = await failure(w.signTransaction('AAAA'))
    expect(err.name).toBe('WalletNetworkError')
    expect(err.message).toContain('“TESTNET”')
    expect(err.message).toContain('“local”')
    expect(err.message).toContain(LEDGER.passphrase)
    expect(calls.sign).toHaveLength(0)
    expect((await failure(w.checkNetwork())).name).toBe('WalletNetworkError')
  })

  it('another account than the one that must sign is WalletAccountError, before signing', async () => {
    const { api, calls } = fakeApi({ getAddress: { address: 'GOTHER' } })
    const w = createFreighterWallet({ ledger: LEDGER, api })
    const err = await failure(w.signTransaction('AAAA', { address: ADDRESS }))
    expect(err.name).toBe('WalletAccountError')
    expect(err.message).toContain('GOTHER')
    expect(calls.sign).toHaveLength(0)
  })

  it('watch reports the state, switches, and whether the network is the ledger', async () => {
    const { api } = fakeApi({
      watch: [
        { address: ADDRESS, network: 'LOCAL', networkPassphrase: LEDGER.passphrase },
        { address: 'GSECOND', network: 'LOCAL', networkPassphrase: LEDGER.passphrase },
        { address: 'GSECOND', network: 'TESTNET', networkPassphrase: TESTNET.networkPassphrase },
        { address: '', network: '', networkPassphrase: '', error: INTERNAL },
      ],
    })
    const w = createFreighterWallet({ ledger: LEDGER, api })
    const seen: unknown[] = []
    const errors: string[] = []
    w.watch(
      (s) => seen.push(s),
      (e) => errors.push(e.name),
    )
    await new Promise((r) => setTimeout(r, 10))
    expect(seen).toEqual([
      { address: ADDRESS, network: { passphrase: LEDGER.passphrase, name: 'LOCAL' }, networkMatches: true },
      { address: 'GSECOND', network: { passphrase: LEDGER.passphrase, name: 'LOCAL' }, networkMatches: true },
      { address: 'GSECOND', network: { passphrase: TESTNET.networkPassphrase, name: 'TESTNET' }, networkMatches: false },
    ])
    expect(errors).toEqual(['WalletError'])
  })

  it('watch without the extension reports WalletMissingError', async () => {
    const w = createFreighterWallet({ ledger: LEDGER, api: fakeApi({ isConnected: { isConnected: false } }).api })
    const errors = await new Promise<string[]>((resolve) => {
      w.watch(
        () => resolve(['changed']),
        (e) => resolve([e.name]),
      )
    })
    expect(errors).toEqual(['WalletMissingError'])
  })
})

describe('the pinned freighter-api still speaks the protocol the stand-in wallet answers', () => {
  const require = createRequire(import.meta.url)
  const pkg = JSON.parse(readFileSync(require.resolve('@stellar/freighter-api/package.json'), 'utf8')) as { version: string; main: string }
  const built = readFileSync(require.resolve('@stellar/freighter-api'), 'utf8')
  const ours = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }

  it('is pinned to an exact version, the one installed', () => {
    expect(ours.dependencies['@stellar/freighter-api']).toMatch(/^\d+\.\d+\.\d+$/)
    expect(pkg.version).toBe(ours.dependencies['@stellar/freighter-api'])
  })

  it.each([
    'FREIGHTER_EXTERNAL_MSG_REQUEST',
    'FREIGHTER_EXTERNAL_MSG_RESPONSE',
    'messagedId',
    'REQUEST_CONNECTION_STATUS',
    'REQUEST_ACCESS',
    'REQUEST_PUBLIC_KEY',
    'REQUEST_NETWORK_DETAILS',
    'SUBMIT_TRANSACTION',
    'transactionXdr',
    'networkPassphrase',
    'accountToSign',
  ])('its built code contains %s', (word) => {
    expect(built).toContain(word)
  })
})
