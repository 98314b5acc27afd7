/**
 * Being paid, on the share protocol: the messages (offer, reveal, STAT's price, payment refusals),
 * the owner's signed offer, a priced host's admission of stores, and offers and reveals against the
 * development ledger in-process with escrows built by src/pay — funded by an owner, locked by the
 * escrow's own key, checked and claimed by the host.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { encode } from 'cborg'
import { Keypair, StrKey, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk/base'
import { DevLedger } from '../../../relay/ledger/engine.ts'
import { inProcessLedger } from '../../../relay/ledger/in-process.ts'
import { Vault } from '../../core/vault/index.ts'
import { LEAF_SIZE, merkleRoot } from '../../core/merkle/index.ts'
import { shareKey } from '../../core/pipeline/index.ts'
import { toHex } from '../../core/bytes.ts'
import { patternBytes } from '../../testing/corruptors.ts'
import { MemoryShareStore } from '../../adapters/storage/memory.ts'
import { MemoryPaymentStore } from '../../adapters/storage/memory-payments.ts'
import type { Ledger } from '../../ports/ledger.ts'
import { STROOPS_PER_XLM } from '../../pay/amounts.ts'
import { MAX_WINDOWS, buildEscrow, buildFunding, signClaim, type EscrowWindow } from '../../pay/escrow.ts'
import { offerOf } from '../../pay/host.ts'
import { escrowKeypair, escrowNonce } from '../../pay/keys.ts'
import { claimLock, claimPreimage } from '../../pay/preimage.ts'
import { isAccountId } from '../../pay/strkey.ts'
import { AUTH_WINDOW_MS, offerMessage, signOffer, signStore, ShareHost, type HostOptions } from './host.ts'
import {
  decodeInterim,
  decodeRequest,
  decodeRequestHead,
  decodeResponse,
  encodeInterim,
  encodeRequest,
  encodeResponse,
  ERROR_STATUSES,
  HEADER_LIMITS,
  MAX_OFFER_CLAIMS,
  MAX_OFFER_XDR,
  type ShareRequest,
  type ShareResponse,
} from './messages.ts'

const HOST = '12D3KooWPaidHost'
const T0 = 1_800_000_000
const NOW = T0 * 1000
const DAY = 86_400
const XLM = STROOPS_PER_XLM
const PRICE = Number(2n * XLM) // 2 XLM per GiB-month

const account = (): string => Keypair.random().publicKey()

async function share(seed: number, leaves = 2) {
  const bytes = patternBytes(leaves * LEAF_SIZE, seed)
  const root = await merkleRoot(bytes)
  return { bytes, root, key: await shareKey(root) }
}
type Share = Awaited<ReturnType<typeof share>>

function storeReq(owner: Vault, s: Share, at = NOW): ShareRequest {
  return { type: 'store', key: s.key, root: s.root, ...signStore(owner, s.key, s.bytes.length, HOST, { lease: DAY * 1000, now: at }), bytes: s.bytes }
}

describe('payment messages', () => {
  const auth = { owner: new Uint8Array(32).fill(1), time: NOW, signature: new Uint8Array(64).fill(2) }
  const escrow = account()

  it('round-trip: offer, reveal, a priced STAT, a claim answer and payment refusals', () => {
    const reqs: ShareRequest[] = [
      { type: 'offer', account: escrow, claims: ['AAAA', 'BBBB'], refund: 'CCCC', ...auth },
      { type: 'reveal', account: escrow, window: 18, nonce: new Uint8Array(32).fill(3), key: new Uint8Array(32).fill(4) },
    ]
    for (const r of reqs) expect(decodeRequest(encodeRequest(r))).toEqual(r)
    const payout = account()
    const responses: ShareResponse[] = [
      { status: 'ok', stat: { quota: 1, used: 2, shares: 3, room: 4, price: PRICE, account: payout } },
      { status: 'ok', claim: { hash: 'ab'.repeat(32), amount: 20_000_000, ledger: 9 } },
      { status: 'payment-required', message: 'pay first' },
      { status: 'payment-refused', reason: 'underfunded', message: 'short' },
    ]
    for (const r of responses) expect(decodeResponse(encodeResponse(r))).toEqual(r)
    // A refusal at admission (the store's interim answer) may be payment-required.
    expect(decodeInterim(encodeInterim({ status: 'payment-required', message: 'pay first' }))).toEqual({ status: 'payment-required', message: 'pay first' })
    expect(ERROR_STATUSES).toEqual(expect.arrayContaining(['payment-required', 'payment-refused']))
  })

  it('a free STAT carries no price, and a price is never announced without its account', () => {
    const free = encodeResponse({ status: 'ok', stat: { quota: 1, used: 0, shares: 0, price: 0, account: account() } })
    expect(decodeResponse(free)).toEqual({ status: 'ok', stat: { quota: 1, used: 0, shares: 0 } })
    const noAccount = encodeResponse({ status: 'ok', stat: { quota: 1, used: 0, shares: 0, price: 5 } })
    expect(decodeResponse(noAccount)).toEqual({ status: 'ok', stat: { quota: 1, used: 0, shares: 0 } })
  })

  const good = { type: 'offer', account: escrow, claims: ['AAAA'], refund: 'CCCC', ...auth }
  const bad: [string, unknown][] = [
    ['an offer with no claims', { ...good, claims: [] }],
    [`an offer with ${MAX_OFFER_CLAIMS + 1} claims`, { ...good, claims: Array(MAX_OFFER_CLAIMS + 1).fill('AAAA') }],
    ['a claim over the XDR limit', { ...good, claims: ['A'.repeat(MAX_OFFER_XDR + 4)] }],
    ['a claim that is not base64', { ...good, claims: ['not base64!'] }],
    ['a claim that is bytes', { ...good, claims: [new Uint8Array(4)] }],
    ['an empty refund', { ...good, refund: '' }],
    ['an escrow account with a bad checksum', { ...good, account: escrow.slice(0, -1) + (escrow.endsWith('A') ? 'B' : 'A') }],
    ['an escrow account that is a secret key', { ...good, account: Keypair.random().secret() }],
    ['an unsigned offer', { type: 'offer', account: escrow, claims: ['AAAA'], refund: 'CCCC', owner: auth.owner }],
    ['an offer with an extra field', { ...good, amount: 5 }],
    ['a reveal of window 19', { type: 'reveal', account: escrow, window: 19, nonce: new Uint8Array(32), key: new Uint8Array(32) }],
    ['a reveal with a short nonce', { type: 'reveal', account: escrow, window: 0, nonce: new Uint8Array(31), key: new Uint8Array(32) }],
    ['a reveal with no key', { type: 'reveal', account: escrow, window: 0, nonce: new Uint8Array(32) }],
    ['a signed reveal', { type: 'reveal', account: escrow, window: 0, nonce: new Uint8Array(32), key: new Uint8Array(32), ...auth }],
  ]
  it.each(bad)('refuses %s with a ProtocolError', (_label, value) => {
    expect(() => decodeRequestHead(encode(value))).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
  })

  const badAnswers: [string, unknown][] = [
    ['a price without an account', { status: 'ok', stat: { quota: 1, used: 0, shares: 0, price: 5 } }],
    ['an account without a price', { status: 'ok', stat: { quota: 1, used: 0, shares: 0, account: account() } }],
    ['a price of 0', { status: 'ok', stat: { quota: 1, used: 0, shares: 0, price: 0, account: account() } }],
    ['a negative price', { status: 'ok', stat: { quota: 1, used: 0, shares: 0, price: -1, account: account() } }],
    ['an account that is not one', { status: 'ok', stat: { quota: 1, used: 0, shares: 0, price: 5, account: 'GABC' } }],
    ['a reason that is not a token', { status: 'payment-refused', message: 'x', reason: 'Under Funded!' }],
    ['a long reason', { status: 'payment-refused', message: 'x', reason: 'a'.repeat(33) }],
    ['a claim hash that is not hex', { status: 'ok', claim: { hash: 'zz'.repeat(32), amount: 1, ledger: 1 } }],
    ['an unknown status', { status: 'payment-maybe', message: 'x' }],
  ]
  it.each(badAnswers)('refuses an answer with %s', (_label, value) => {
    expect(() => decodeResponse({ head: encode(value) })).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
  })

  it('the largest offer the bounds allow fits the offer limit; no other request may be that large', () => {
    const big = 'A'.repeat(MAX_OFFER_XDR)
    const head = encodeRequest({ type: 'offer', account: escrow, claims: Array(MAX_OFFER_CLAIMS).fill(big), refund: big, ...auth }).head
    expect(head.length).toBeGreaterThan(HEADER_LIMITS.request)
    expect(head.length).toBeLessThanOrEqual(HEADER_LIMITS.offer)
    expect(decodeRequestHead(head)).toMatchObject({ type: 'offer' })
    const renew = encode({ type: 'renew', keys: Array(300).fill(new Uint8Array(60)), lease: 1, ...auth })
    expect(renew.length).toBeGreaterThan(HEADER_LIMITS.request)
    expect(() => decodeRequestHead(renew)).toThrow(/over the 16384-byte limit/)
  })

  it('MAX_OFFER_CLAIMS is the escrow’s window limit', () => {
    expect(MAX_OFFER_CLAIMS).toBe(MAX_WINDOWS)
  })
})

describe('account ids without stellar-sdk', () => {
  it('agree with StrKey on valid, altered and other keys', () => {
    for (let i = 0; i < 50; i++) {
      const k = Keypair.random()
      const g = k.publicKey()
      expect(isAccountId(g)).toBe(true)
      const flipped = g.slice(0, 10) + (g[10] === 'A' ? 'B' : 'A') + g.slice(11)
      expect(isAccountId(flipped)).toBe(StrKey.isValidEd25519PublicKey(flipped))
      expect(isAccountId(k.secret())).toBe(false)
      expect(isAccountId(StrKey.encodePreAuthTx(k.rawPublicKey()))).toBe(false)
    }
    for (const v of ['', 'G', 'g'.repeat(56), 42, undefined, `${Keypair.random().publicKey()}A`]) expect(isAccountId(v)).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// Against the development ledger, in-process.

let dev: DevLedger
let ledger: Ledger
let ownerKey: Keypair
let hostKey: Keypair
let otherHost: Keypair

beforeEach(async () => {
  dev = new DevLedger({ clock: () => NOW })
  ledger = inProcessLedger(dev)
  ownerKey = Keypair.random()
  hostKey = Keypair.random()
  otherHost = Keypair.random()
  for (const k of [ownerKey, hostKey, otherHost]) await ledger.fund(k.publicKey())
})

const balance = async (id: string): Promise<bigint> => (await ledger.loadAccount(id))?.balance ?? 0n

interface EscrowOptions {
  /** The host the claims pay (default hostKey). */
  readonly payTo?: Keypair
  readonly windows?: number
  readonly amount?: bigint
  /** Fund with this much less than the escrow needs. */
  readonly shortBy?: bigint
  /** Leave the escrow unlocked. */
  readonly lock?: boolean
}

/** The owner's side: an escrow locking `bytes`, funded by the owner's one signature and locked by its own key. */
async function makeEscrow(bytes: Uint8Array, options: EscrowOptions = {}) {
  const seed = crypto.getRandomValues(new Uint8Array(32))
  const key = escrowKeypair(seed)
  const now = await ledger.closeTime()
  const windows: EscrowWindow[] = Array.from({ length: options.windows ?? 1 }, (_, i) => ({
    amount: options.amount ?? 2n * XLM,
    deadline: now + (i + 1) * 30 * DAY,
    lock: claimLock(claimPreimage(escrowNonce(seed, i), bytes)),
  }))
  const o = (await ledger.loadAccount(ownerKey.publicKey()))!
  // Underfunding: the funding pays the escrow less than its first window needs.
  const funded = windows.map((w, i) => (i === 0 && options.shortBy ? { ...w, amount: w.amount - options.shortBy } : w))
  const funding = buildFunding({
    owner: ownerKey.publicKey(),
    ownerSequence: o.sequence,
    escrows: [{ account: key.publicKey(), windows: funded }],
    passphrase: dev.passphrase,
    now,
  })
  const tx = TransactionBuilder.fromXDR(funding, dev.passphrase) as Transaction
  tx.sign(ownerKey) // the wallet's one signature
  await ledger.submit(tx.toEnvelope().toXdr('base64'))
  const startSequence = (await ledger.loadAccount(key.publicKey()))!.sequence
  const escrow = buildEscrow({
    escrow: key,
    startSequence,
    terms: { owner: ownerKey.publicKey(), host: (options.payTo ?? hostKey).publicKey(), windows },
    passphrase: dev.passphrase,
  })
  if (options.lock !== false) await ledger.submit(escrow.lockXdr)
  return { escrow, nonce: (i: number) => escrowNonce(seed, i) }
}

async function pricedHost(options: HostOptions = {}) {
  const owner = await Vault.create()
  const store = new MemoryShareStore()
  const payments = new MemoryPaymentStore()
  const clock = { now: NOW }
  const host = new ShareHost(store, HOST, 64 * LEAF_SIZE, {
    limits: { perOwner: 1, perPeer: 1 },
    now: () => clock.now,
    payments: { store: payments, ledger: async () => ledger, pricing: { price: PRICE, account: hostKey.publicKey() } },
    ...options,
  })
  return { owner, store, host, clock, payments }
}

function signClaimFor(claimXdr: string, bytes: Uint8Array, nonce: Uint8Array): string {
  return signClaim(claimXdr, claimPreimage(nonce, bytes), dev.passphrase)
}

function offerReq(owner: Vault, offer: ReturnType<typeof offerOf>, at = NOW, host = HOST): ShareRequest {
  return { type: 'offer', ...offer, ...signOffer(owner, offer, host, at) }
}

describe('the owner’s signed offer', () => {
  it('the signed bytes: context, sha256 of the canonical CBOR of the terms, time, host', async () => {
    const terms = { account: account(), claims: ['AAAA', 'BBBB'], refund: 'CCCC' }
    const m = offerMessage(terms, NOW, HOST)
    const { sha256 } = await import('@noble/hashes/sha2.js')
    const expected = new Uint8Array([
      ...new TextEncoder().encode('layr/v2/offer\0'),
      ...sha256(encode({ account: terms.account, claims: terms.claims, refund: terms.refund })),
      ...[0, 0, 1, 0xa3, 0x18, 0x5c, 0x50, 0x00], // 1_800_000_000_000 as u64be
      ...new TextEncoder().encode(HOST),
    ])
    expect(toHex(m)).toBe(toHex(expected))
    // Any change to the terms changes what is signed.
    expect(toHex(offerMessage({ ...terms, claims: ['AAAA'] }, NOW, HOST))).not.toBe(toHex(m))
    expect(toHex(offerMessage({ ...terms, refund: 'CCCD' }, NOW, HOST))).not.toBe(toHex(m))
  })

  it('is accepted from its owner, and refused under another owner’s key, for another host, or out of the time window', async () => {
    const { owner, host } = await pricedHost()
    const s = await share(1)
    const { escrow } = await makeEscrow(s.bytes)
    const offer = offerOf(escrow)
    const other = await Vault.create()
    const theirs = offerReq(owner, offer)
    const cases: [string, ShareRequest][] = [
      ['another owner’s key on my signature', { ...theirs, owner: other.ownerPublicKey } as ShareRequest],
      ['signed for another host', offerReq(owner, offer, NOW, '12D3KooWOtherHost')],
      ['signed too long ago', offerReq(owner, offer, NOW - AUTH_WINDOW_MS - 1)],
      ['signed in the future', offerReq(owner, offer, NOW + AUTH_WINDOW_MS + 1)],
      ['terms changed after signing', { ...theirs, refund: offer.claims[0]! } as ShareRequest],
    ]
    for (const [label, req] of cases) expect(await host.serve(req), label).toMatchObject({ status: 'unauthorized' })
    expect(await host.payments!.store.offers()).toHaveLength(0)
    expect(await host.serve(theirs)).toEqual({ status: 'ok' })
    expect(await host.payments!.store.offers(toHex(owner.ownerPublicKey))).toHaveLength(1)
  })
})

describe('a priced host', () => {
  it('announces its price and account in STAT; a free host announces none', async () => {
    const { host } = await pricedHost()
    expect(await host.serve({ type: 'stat' })).toMatchObject({ status: 'ok', stat: { price: PRICE, account: hostKey.publicKey() } })
    host.setPricing({ price: 0 })
    const res = await host.serve({ type: 'stat' })
    expect(res.status === 'ok' && res.stat).not.toHaveProperty('price')
  })

  it('refuses a store without an accepted offer at admission, before the body; stores once the offer is accepted', async () => {
    const { owner, host, store } = await pricedHost()
    const s = await share(2)
    const req = storeReq(owner, s)
    if (req.type !== 'store') throw new Error('a store')
    const { bytes: _, ...head } = req
    const admission = await host.admit({ ...head, body: s.bytes.length }, { peer: 'p' })
    expect(admission).toMatchObject({ status: 'payment-required', message: expect.stringMatching(/2 XLM per GiB-month.*free/) })
    expect(await store.list()).toHaveLength(0)
    const { escrow } = await makeEscrow(s.bytes)
    expect(await host.serve(offerReq(owner, offerOf(escrow)))).toEqual({ status: 'ok' })
    expect(await host.serve(storeReq(owner, s))).toEqual({ status: 'ok' })
    // Another owner is still refused: the offer is this owner's.
    const other = await Vault.create()
    expect(await host.serve(storeReq(other, s))).toMatchObject({ status: 'payment-required' })
  })

  it('refuses stores again once every window of the owner’s offers has passed its deadline', async () => {
    const { owner, host, clock } = await pricedHost()
    const s = await share(3)
    const { escrow } = await makeEscrow(s.bytes)
    await host.serve(offerReq(owner, offerOf(escrow)))
    clock.now = (escrow.claims[0]!.deadline + 1) * 1000
    expect(await host.serve(storeReq(owner, s, clock.now))).toMatchObject({ status: 'payment-required' })
  })

  it('a free host stores as before, and refuses offers (nothing to lock for it)', async () => {
    const owner = await Vault.create()
    const free = new ShareHost(new MemoryShareStore(), HOST, 64 * LEAF_SIZE, { limits: { perOwner: 1, perPeer: 1 }, now: () => NOW })
    const s = await share(4)
    expect(await free.serve(storeReq(owner, s))).toEqual({ status: 'ok' })
    const { escrow } = await makeEscrow(s.bytes)
    expect(await free.serve(offerReq(owner, offerOf(escrow)))).toMatchObject({ status: 'payment-refused', reason: 'free' })
    // Price 0 with payments set up is free too.
    const { host } = await pricedHost()
    host.setPricing({ price: 0, account: hostKey.publicKey() })
    expect(await host.serve(storeReq(owner, s))).toEqual({ status: 'ok' })
  })
})

describe('offers against the ledger', () => {
  it('a funded, locked escrow paying this host is accepted and kept', async () => {
    const { owner, host, payments } = await pricedHost()
    const { escrow } = await makeEscrow((await share(5)).bytes, { windows: 3 })
    expect(await host.serve(offerReq(owner, offerOf(escrow)))).toEqual({ status: 'ok' })
    const kept = await payments.offer(escrow.account)
    expect(kept).toMatchObject({ owner: toHex(owner.ownerPublicKey), payout: hostKey.publicKey(), refundFrom: escrow.refund.validFrom })
    expect(kept!.windows.map((w) => w.amount)).toEqual([2n * XLM, 2n * XLM, 2n * XLM])
    // Sending it again is fine (a retry); another owner cannot take it over.
    expect(await host.serve(offerReq(owner, offerOf(escrow)))).toEqual({ status: 'ok' })
    const other = await Vault.create()
    expect(await host.serve(offerReq(other, offerOf(escrow)))).toMatchObject({ status: 'payment-refused', reason: 'taken' })
  })

  const refusals: [string, EscrowOptions, string][] = [
    ['underfunded', { shortBy: 1n }, 'underfunded'],
    ['not locked', { lock: false }, 'not-locked'],
    ['for another host', { payTo: undefined }, 'not-for-this-host'],
  ]
  it.each(refusals)('an escrow %s is refused with its reason, and nothing is kept', async (label, options, reason) => {
    const { owner, host, payments } = await pricedHost()
    const o = label === 'for another host' ? { ...options, payTo: otherHost } : options
    const { escrow } = await makeEscrow((await share(6)).bytes, o)
    const res = await host.serve(offerReq(owner, offerOf(escrow)))
    expect(res).toMatchObject({ status: 'payment-refused', reason })
    expect(res.status !== 'ok' && res.message.length).toBeGreaterThan(10)
    expect(await payments.offers()).toHaveLength(0)
    expect(await host.serve(storeReq(owner, await share(6)))).toMatchObject({ status: 'payment-required' })
  })

  it('an escrow that does not exist is refused, and an unreachable ledger says so', async () => {
    const { owner, host } = await pricedHost()
    const s = await share(7)
    const { escrow, nonce } = await makeEscrow(s.bytes)
    const fake = { ...offerOf(escrow) }
    const broken = new ShareHost(new MemoryShareStore(), HOST, 64 * LEAF_SIZE, {
      now: () => NOW,
      payments: {
        store: new MemoryPaymentStore(),
        ledger: async () => {
          throw new Error('connection refused')
        },
        pricing: { price: PRICE, account: hostKey.publicKey() },
      },
    })
    expect(await broken.serve(offerReq(owner, fake))).toMatchObject({
      status: 'payment-refused',
      reason: 'ledger',
      message: expect.stringMatching(/connection refused/),
    })
    // Once claimed (merged away), the escrow is gone from the ledger: offering it again is refused.
    await ledger.submit(signClaimFor(escrow.claims[0]!.xdr, s.bytes, nonce(0)))
    expect(await host.serve(offerReq(owner, fake))).toMatchObject({ status: 'payment-refused', reason: 'missing' })
  })
})

describe('reveals', () => {
  async function placed(windows = 1) {
    const h = await pricedHost()
    const s = await share(8)
    const e = await makeEscrow(s.bytes, { windows })
    expect(await h.host.serve(offerReq(h.owner, offerOf(e.escrow)))).toEqual({ status: 'ok' })
    expect(await h.host.serve(storeReq(h.owner, s))).toEqual({ status: 'ok' })
    return { ...h, s, ...e }
  }

  it('a reveal makes the host claim: its balance goes up by the window’s amount, and the claim is recorded', async () => {
    const { host, s, escrow, nonce } = await placed()
    const before = await balance(hostKey.publicKey())
    const res = await host.serve({ type: 'reveal', account: escrow.account, window: 0, nonce: nonce(0), key: s.key })
    expect(res).toMatchObject({ status: 'ok', claim: { hash: escrow.claims[0]!.hash, amount: Number(2n * XLM) } })
    expect(await balance(hostKey.publicKey())).toBe(before + 2n * XLM)
    expect(await ledger.loadAccount(escrow.account)).toBeUndefined() // the last claim merged it back
    const earnings = await host.payments!.earnings()
    expect(earnings.total).toBe(2n * XLM)
    expect(earnings.claims).toEqual([expect.objectContaining({ escrow: escrow.account, window: 0, amount: 2n * XLM, hash: escrow.claims[0]!.hash, at: NOW })])
    // The same window again is refused before the ledger is asked.
    expect(await host.serve({ type: 'reveal', account: escrow.account, window: 0, nonce: nonce(0), key: s.key })).toMatchObject({
      status: 'payment-refused',
      reason: 'claimed',
    })
  })

  it('a wrong nonce, another window’s nonce, or another share are refused, and nothing is paid', async () => {
    const { host, s, escrow, nonce, store } = await placed(2)
    const other = await share(9)
    await store.put({ key: toHex(other.key), size: other.bytes.length, root: other.root, owners: [], storedAt: NOW }, other.bytes)
    const before = await balance(hostKey.publicKey())
    const cases: [string, ShareRequest][] = [
      ['a random nonce', { type: 'reveal', account: escrow.account, window: 0, nonce: crypto.getRandomValues(new Uint8Array(32)), key: s.key }],
      ['window 1’s nonce for window 0', { type: 'reveal', account: escrow.account, window: 0, nonce: nonce(1), key: s.key }],
      ['another share held here', { type: 'reveal', account: escrow.account, window: 0, nonce: nonce(0), key: other.key }],
    ]
    for (const [label, req] of cases) expect(await host.serve(req), label).toMatchObject({ status: 'payment-refused', reason: 'preimage' })
    expect(await balance(hostKey.publicKey())).toBe(before)
    expect((await host.payments!.earnings()).claims).toHaveLength(0)
    expect(dev.account(escrow.account)?.seq).toBe(escrow.startSequence + 1n) // nothing reached the ledger
  })

  it('a share not held, or an escrow never accepted, is not-found; a window past its deadline is refused', async () => {
    const { host, s, escrow, nonce } = await placed(2)
    const missing = await share(10)
    expect(await host.serve({ type: 'reveal', account: escrow.account, window: 0, nonce: nonce(0), key: missing.key })).toMatchObject({ status: 'not-found' })
    expect(await host.serve({ type: 'reveal', account: account(), window: 0, nonce: nonce(0), key: s.key })).toMatchObject({ status: 'not-found' })
    expect(await host.serve({ type: 'reveal', account: escrow.account, window: 5, nonce: nonce(0), key: s.key })).toMatchObject({ status: 'payment-refused' })
    const before = await balance(hostKey.publicKey())
    dev.setClock(escrow.claims[0]!.deadline + 1)
    expect(await host.serve({ type: 'reveal', account: escrow.account, window: 0, nonce: nonce(0), key: s.key })).toMatchObject({
      status: 'payment-refused',
      reason: 'deadline-passed',
    })
    // A missed window does not block the next one.
    const res = await host.serve({ type: 'reveal', account: escrow.account, window: 1, nonce: nonce(1), key: s.key })
    expect(res).toMatchObject({ status: 'ok', claim: { amount: Number(2n * XLM) } })
    expect(await balance(hostKey.publicKey())).toBe(before + 2n * XLM)
  })

  it('real offers are a few hundred bytes a claim: 19 windows fit the ordinary 16 KiB header', async () => {
    const { owner } = await pricedHost()
    const { escrow } = await makeEscrow((await share(11)).bytes, { windows: MAX_WINDOWS, amount: XLM / 10n })
    const head = encodeRequest(offerReq(owner, offerOf(escrow))).head
    expect(Math.max(...escrow.claims.map((c) => c.xdr.length))).toBeLessThan(MAX_OFFER_XDR / 4)
    expect(head.length).toBeLessThan(HEADER_LIMITS.request)
  })
})
