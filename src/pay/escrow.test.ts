import { beforeEach, describe, expect, it } from 'vitest'
import { Account, Asset, Keypair, Operation, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk/base'
import { DevLedger } from '../../relay/ledger/engine.ts'
import { inProcessLedger } from '../../relay/ledger/in-process.ts'
import type { Ledger } from '../ports/ledger.ts'
import { BASE_FEE, STROOPS_PER_XLM, formatXlm } from './amounts.ts'
import { escrowCosts } from './costs.ts'
import { DEFAULT_AUDIT_WINDOWS, buildEscrow, buildFunding, escrowReserve, signClaim, type Escrow, type EscrowWindow } from './escrow.ts'
import { claimWindow, offerOf, verifyEscrow, windowPreimage, type EscrowOffer, type EscrowRejection, type HostExpectations } from './host.ts'
import { escrowKeypair, escrowNonce, escrowSeedInfo } from './keys.ts'
import { claimLock, claimPreimage } from './preimage.ts'
import { escrowStatus } from './status.ts'

const T0 = 1_800_000_000
const DAY = 86_400
const XLM = STROOPS_PER_XLM

let dev: DevLedger
let ledger: Ledger
let owner: Keypair
let host: Keypair
let other: Keypair
let thief: Keypair

const share = (fill: number, size = 4096): Uint8Array => new Uint8Array(size).map((_, i) => (i * 31 + fill) & 0xff)

beforeEach(async () => {
  dev = new DevLedger({ clock: () => T0 * 1000 })
  ledger = inProcessLedger(dev)
  owner = Keypair.random()
  host = Keypair.random()
  other = Keypair.random()
  thief = Keypair.random()
  for (const k of [owner, host, other, thief]) await ledger.fund(k.publicKey())
})

const balance = async (k: Keypair | string): Promise<bigint> => (await ledger.loadAccount(typeof k === 'string' ? k : k.publicKey()))?.balance ?? 0n

interface Placed {
  readonly escrow: Escrow
  readonly seed: Uint8Array
  readonly bytes: Uint8Array
  readonly hostKey: Keypair
  nonce(i: number): Uint8Array
}

interface UploadOptions {
  readonly hosts?: readonly { key: Keypair; bytes: Uint8Array }[]
  readonly windows?: number
  /** Per window, stroops. */
  readonly amount?: bigint
  readonly windowLength?: number
  /** Skip submitting the locks (to test an unlocked escrow). */
  readonly lock?: boolean
  /** Fund each escrow with this much less than it needs. */
  readonly shortBy?: bigint
}

/** The owner's side of one upload: one funding transaction signed by the owner, then each escrow's lock. */
async function upload(options: UploadOptions = {}): Promise<Placed[]> {
  const hosts = options.hosts ?? [{ key: host, bytes: share(1) }]
  const k = options.windows ?? 1
  const amount = options.amount ?? 2n * XLM
  const length = options.windowLength ?? 30 * DAY
  const now = await ledger.closeTime()
  const plans = hosts.map((h) => {
    const seed = crypto.getRandomValues(new Uint8Array(32))
    const windows: EscrowWindow[] = Array.from({ length: k }, (_, i) => ({
      amount,
      deadline: now + (i + 1) * length,
      lock: claimLock(claimPreimage(escrowNonce(seed, i), h.bytes)),
    }))
    return { seed, key: escrowKeypair(seed), windows, h }
  })
  const ownerAccount = (await ledger.loadAccount(owner.publicKey()))!
  const fundingXdr = buildFunding({
    owner: owner.publicKey(),
    ownerSequence: ownerAccount.sequence,
    escrows: plans.map((p) => ({ account: p.key.publicKey(), windows: p.windows })),
    passphrase: dev.passphrase,
    now,
  })
  let signed = sign(fundingXdr, owner) // the wallet's one signature
  if (options.shortBy) signed = sign(shortFunding(fundingXdr, options.shortBy), owner)
  await ledger.submit(signed)
  const placed: Placed[] = []
  for (const p of plans) {
    const startSequence = (await ledger.loadAccount(p.key.publicKey()))!.sequence
    const escrow = buildEscrow({
      escrow: p.key,
      startSequence,
      terms: { owner: owner.publicKey(), host: p.h.key.publicKey(), windows: p.windows },
      passphrase: dev.passphrase,
    })
    if (options.lock !== false) await ledger.submit(escrow.lockXdr)
    placed.push({ escrow, seed: p.seed, bytes: p.h.bytes, hostKey: p.h.key, nonce: (i) => escrowNonce(p.seed, i) })
  }
  return placed
}

function sign(envelope: string, key: Keypair): string {
  const tx = TransactionBuilder.fromXDR(envelope, dev.passphrase) as Transaction
  tx.sign(key)
  return tx.toEnvelope().toXdr('base64')
}

/** The same funding with every starting balance lowered (an owner trying to underfund). */
function shortFunding(envelope: string, by: bigint): string {
  const tx = TransactionBuilder.fromXDR(envelope, dev.passphrase) as Transaction
  const b = new TransactionBuilder(new Account(tx.source, (BigInt(tx.sequence) - 1n).toString()), {
    fee: '100',
    networkPassphrase: dev.passphrase,
    timebounds: tx.timeBounds!,
  })
  for (const op of tx.operations) {
    if (op.type !== 'createAccount') throw new Error('unexpected')
    const stroops = BigInt(op.startingBalance.replace('.', '')) - by
    b.addOperation(Operation.createAccount({ destination: op.destination, startingBalance: `${stroops / XLM}.${(stroops % XLM).toString().padStart(7, '0')}` }))
  }
  return b.build().toEnvelope().toXdr('base64')
}

const expectations = (key: Keypair = host, extra: Partial<HostExpectations> = {}): HostExpectations => ({
  host: key.publicKey(),
  passphrase: dev.passphrase,
  minTimeLeft: DAY,
  ...extra,
})

function rejected(code: string, operations?: string[]) {
  return { name: 'TransactionRejectedError', transaction: code, ...(operations ? { operations } : {}) }
}

/** A transaction from the escrow account, signed by whoever the test says. */
function fromEscrow(escrow: Escrow, ops: ReturnType<typeof Operation.payment>[], sequence: bigint): Transaction {
  const b = new TransactionBuilder(new Account(escrow.account, (sequence - 1n).toString()), {
    fee: '100',
    networkPassphrase: dev.passphrase,
    timebounds: { minTime: 0, maxTime: 0 },
  })
  for (const op of ops) b.addOperation(op)
  return b.build()
}

describe('pay on delivery', () => {
  it('a claim with the preimage pays the host and merges the rest back to the owner', async () => {
    const ownerBefore = await balance(owner)
    const hostBefore = await balance(host)
    const [p] = await upload()
    const v = await verifyEscrow(ledger, offerOf(p!.escrow), expectations(host, { minAmount: 2n * XLM }))
    expect(v.windows).toHaveLength(1)
    await claimWindow(ledger, v, 0, p!.nonce(0), p!.bytes)
    expect(await balance(host)).toBe(hostBefore + 2n * XLM)
    expect(await ledger.loadAccount(p!.escrow.account)).toBeUndefined()
    const costs = escrowCosts(1, 1)
    expect(await balance(owner)).toBe(ownerBefore - 2n * XLM - costs.feesAllClaimed)
    expect(await escrowStatus(ledger, p!.escrow)).toEqual({ state: 'closed', windows: ['paid'], balance: 0n })
  })

  it('a claim without the preimage is refused', async () => {
    const [p] = await upload()
    await expect(ledger.submit(p!.escrow.claims[0]!.xdr)).rejects.toMatchObject(rejected('tx_bad_auth'))
  })

  it('the owner cannot drain the escrow before the deadline, with the escrow’s key or its own', async () => {
    const [p] = await upload()
    const seq = p!.escrow.startSequence + 2n
    const drain = fromEscrow(p!.escrow, [Operation.payment({ destination: owner.publicKey(), asset: Asset.native(), amount: '1' })], seq)
    drain.sign(escrowKeypair(p!.seed)) // the owner can always re-derive this key
    await expect(ledger.submit(drain.toEnvelope().toXdr('base64'))).rejects.toMatchObject(rejected('tx_bad_auth'))
    const byOwner = fromEscrow(p!.escrow, [Operation.payment({ destination: owner.publicKey(), asset: Asset.native(), amount: '1' })], seq)
    byOwner.sign(owner)
    await expect(ledger.submit(byOwner.toEnvelope().toXdr('base64'))).rejects.toMatchObject(rejected('tx_bad_auth'))
    const merge = new TransactionBuilder(new Account(p!.escrow.account, (seq - 1n).toString()), {
      fee: '100',
      networkPassphrase: dev.passphrase,
      timebounds: { minTime: 0, maxTime: 0 },
    })
      .addOperation(Operation.accountMerge({ destination: owner.publicKey() }))
      .build()
    merge.sign(escrowKeypair(p!.seed))
    await expect(ledger.submit(merge.toEnvelope().toXdr('base64'))).rejects.toMatchObject(rejected('tx_bad_auth'))
    await expect(ledger.submit(p!.escrow.refund.xdr)).rejects.toMatchObject(rejected('tx_too_early'))
  })

  it('the refund before the deadline is refused; after it, it returns everything but fees', async () => {
    const ownerBefore = await balance(owner)
    const [p] = await upload()
    await expect(ledger.submit(p!.escrow.refund.xdr)).rejects.toMatchObject(rejected('tx_too_early'))
    dev.setClock(p!.escrow.claims[0]!.deadline) // the deadline itself still belongs to the claim
    await expect(ledger.submit(p!.escrow.refund.xdr)).rejects.toMatchObject(rejected('tx_too_early'))
    dev.advanceClock(1)
    await ledger.submit(p!.escrow.refund.xdr)
    expect(await ledger.loadAccount(p!.escrow.account)).toBeUndefined()
    expect(await balance(owner)).toBe(ownerBefore - escrowCosts(1, 1).feesAllRefunded)
    expect(await escrowStatus(ledger, p!.escrow)).toMatchObject({ state: 'refunded', windows: ['missed'] })
  })

  it('a claim after the deadline is refused, even with the preimage', async () => {
    const [p] = await upload()
    const v = await verifyEscrow(ledger, offerOf(p!.escrow), expectations())
    dev.setClock(p!.escrow.claims[0]!.deadline + 1)
    await expect(claimWindow(ledger, v, 0, p!.nonce(0), p!.bytes)).rejects.toMatchObject(rejected('tx_too_late'))
  })

  it('a claim computed from another share’s or another replica’s bytes is refused', async () => {
    const same = share(1)
    const [a, b] = await upload({
      hosts: [
        { key: host, bytes: same },
        { key: other, bytes: share(2) },
      ],
    })
    const va = await verifyEscrow(ledger, offerOf(a!.escrow), expectations(host))
    // Another share of the segment (host b's bytes) does not open host a's claim…
    expect(() => windowPreimage(va, 0, a!.nonce(0), b!.bytes)).toThrow(expect.objectContaining({ name: 'EscrowRejectedError', reason: 'preimage' }))
    const wrong = signClaim(a!.escrow.claims[0]!.xdr, claimPreimage(a!.nonce(0), b!.bytes), dev.passphrase)
    await expect(ledger.submit(wrong)).rejects.toMatchObject(rejected('tx_bad_auth'))
    // …nor do the same bytes with another host's nonce (a replica's holder knows only its own).
    const replica = signClaim(a!.escrow.claims[0]!.xdr, claimPreimage(b!.nonce(0), same), dev.passphrase)
    await expect(ledger.submit(replica)).rejects.toMatchObject(rejected('tx_bad_auth'))
    // Damaged data does not either.
    const damaged = same.slice()
    damaged[100]! ^= 1
    expect(() => windowPreimage(va, 0, a!.nonce(0), damaged)).toThrow(expect.objectContaining({ reason: 'preimage' }))
    // And whoever submits the right claim, it pays host a only.
    const before = await balance(host)
    await ledger.submit(signClaim(a!.escrow.claims[0]!.xdr, claimPreimage(a!.nonce(0), same), dev.passphrase))
    expect(await balance(host)).toBe(before + 2n * XLM)
  })

  it('a failed claim (the host’s account merged away) still leaves the refund valid', async () => {
    const gone = Keypair.random()
    await ledger.fund(gone.publicKey())
    const [p] = await upload({ hosts: [{ key: gone, bytes: share(3) }] })
    const v = await verifyEscrow(ledger, offerOf(p!.escrow), expectations(gone))
    const seq = (await ledger.loadAccount(gone.publicKey()))!.sequence
    const leave = new TransactionBuilder(new Account(gone.publicKey(), seq.toString()), {
      fee: '100',
      networkPassphrase: dev.passphrase,
      timebounds: { minTime: 0, maxTime: 0 },
    })
      .addOperation(Operation.accountMerge({ destination: thief.publicKey() }))
      .build()
    leave.sign(gone)
    await ledger.submit(leave.toEnvelope().toXdr('base64'))
    await expect(claimWindow(ledger, v, 0, p!.nonce(0), p!.bytes)).rejects.toMatchObject(rejected('tx_failed', ['op_no_destination', 'op_success']))
    expect(await escrowStatus(ledger, p!.escrow)).toMatchObject({ state: 'locked', windows: ['failed'] })
    dev.setClock(p!.escrow.refund.validFrom)
    const ownerBefore = await balance(owner)
    await ledger.submit(p!.escrow.refund.xdr)
    expect(await balance(owner)).toBeGreaterThan(ownerBefore + 2n * XLM)
  })
})

describe('a third party that saw a preimage', () => {
  it('cannot spend from the escrow with it', async () => {
    const [p] = await upload({ windows: 3 })
    const v = await verifyEscrow(ledger, offerOf(p!.escrow), expectations())
    await claimWindow(ledger, v, 0, p!.nonce(0), p!.bytes)
    // r_0 is now public: it is the claim's signature, on the ledger.
    const r0 = windowPreimage(v, 0, p!.nonce(0), p!.bytes)
    const seq = (await ledger.loadAccount(p!.escrow.account))!.sequence
    const steal = fromEscrow(p!.escrow, [Operation.payment({ destination: thief.publicKey(), asset: Asset.native(), amount: '1' })], seq + 1n)
    steal.signHashX(r0)
    await expect(ledger.submit(steal.toEnvelope().toXdr('base64'))).rejects.toMatchObject(rejected('tx_bad_auth'))
    steal.sign(thief)
    await expect(ledger.submit(steal.toEnvelope().toXdr('base64'))).rejects.toMatchObject(rejected('tx_bad_auth'))
    // Nor can r_0 open another window's claim.
    await expect(ledger.submit(signClaim(p!.escrow.claims[1]!.xdr, r0, dev.passphrase))).rejects.toMatchObject(rejected('tx_bad_auth'))
    // Replaying the applied claim changes nothing.
    const before = await balance(host)
    await ledger.submit(signClaim(p!.escrow.claims[0]!.xdr, r0, dev.passphrase)).catch(() => undefined)
    expect(await balance(host)).toBe(before)
  })
})

describe('pay per audit', () => {
  it('a missed window does not block the next; its money goes back to the owner', async () => {
    const ownerBefore = await balance(owner)
    const hostBefore = await balance(host)
    const [p] = await upload({ windows: 3, amount: XLM })
    const v = await verifyEscrow(ledger, offerOf(p!.escrow), expectations(host, { minAmount: 3n * XLM }))
    expect(await escrowStatus(ledger, p!.escrow)).toMatchObject({ state: 'locked', windows: ['open', 'open', 'open'] })
    // Audit 0: the owner reveals nonce_0, the host claims.
    dev.setClock(T0 + 20 * DAY)
    await claimWindow(ledger, v, 0, p!.nonce(0), p!.bytes)
    // Audit 1 never happens (the owner was away): window 1's deadline passes.
    dev.setClock(p!.escrow.claims[1]!.deadline + 1)
    await expect(claimWindow(ledger, v, 1, p!.nonce(1), p!.bytes)).rejects.toMatchObject(rejected('tx_too_late'))
    expect((await escrowStatus(ledger, p!.escrow)).windows).toEqual(['paid', 'missed', 'open'])
    // Audit 2: paid, although window 1 never was; the last claim merges the rest to the owner.
    await claimWindow(ledger, v, 2, p!.nonce(2), p!.bytes)
    expect(await balance(host)).toBe(hostBefore + 2n * XLM)
    expect(await escrowStatus(ledger, p!.escrow)).toEqual({ state: 'closed', windows: ['paid', 'missed', 'paid'], balance: 0n })
    // The owner paid two windows and fees: one claim fewer than if all three had been claimed.
    expect(await balance(owner)).toBe(ownerBefore - 2n * XLM - (escrowCosts(1, 3).feesAllClaimed - BASE_FEE))
    // The ledger shows which audits were paid.
    const paid = (await ledger.payments(host.publicKey())).filter((x) => x.type === 'payment' && x.from === p!.escrow.account)
    expect(paid.map((x) => x.amount)).toEqual([XLM, XLM])
  })

  it('a nonce revealed for one window opens only that window, and each claim only once', async () => {
    const [p] = await upload({ windows: 3, amount: XLM })
    const v = await verifyEscrow(ledger, offerOf(p!.escrow), expectations())
    expect(() => windowPreimage(v, 1, p!.nonce(0), p!.bytes)).toThrow(expect.objectContaining({ reason: 'preimage' }))
    await claimWindow(ledger, v, 1, p!.nonce(1), p!.bytes) // window 0 skipped by the host itself
    await expect(claimWindow(ledger, v, 0, p!.nonce(0), p!.bytes)).rejects.toMatchObject(rejected('tx_bad_seq'))
    expect((await escrowStatus(ledger, p!.escrow)).windows).toEqual(['missed', 'paid', 'open'])
  })

  it('when the last window is missed too, the refund returns the rest after the last deadline', async () => {
    const [p] = await upload({ windows: 2, amount: XLM })
    const v = await verifyEscrow(ledger, offerOf(p!.escrow), expectations())
    await claimWindow(ledger, v, 0, p!.nonce(0), p!.bytes)
    dev.setClock(p!.escrow.claims[1]!.deadline)
    await expect(ledger.submit(p!.escrow.refund.xdr)).rejects.toMatchObject(rejected('tx_too_early'))
    dev.setClock(p!.escrow.refund.validFrom)
    const before = await balance(owner)
    await ledger.submit(p!.escrow.refund.xdr)
    // Back: window 1's lumen, the reserve, and the fee buffer the second claim did not use.
    expect(await balance(owner)).toBe(before + XLM + escrowReserve(2) + 2n * BASE_FEE)
    expect(await escrowStatus(ledger, p!.escrow)).toMatchObject({ state: 'refunded', windows: ['paid', 'missed'] })
  })

  it('19 windows fit an account (20 signers), and the escrow holds (19 + 3) × 0.5 XLM reserve', async () => {
    const [p] = await upload({ windows: 19, amount: XLM / 10n, windowLength: 5 * DAY })
    const a = (await ledger.loadAccount(p!.escrow.account))!
    expect(a.subentries).toBe(20)
    await verifyEscrow(ledger, offerOf(p!.escrow), expectations())
    expect(() =>
      buildEscrow({
        escrow: Keypair.random(),
        startSequence: 1n,
        terms: {
          owner: owner.publicKey(),
          host: host.publicKey(),
          windows: Array.from({ length: 20 }, (_, i) => ({ amount: 1n, deadline: T0 + i + 1, lock: new Uint8Array(32) })),
        },
        passphrase: dev.passphrase,
      }),
    ).toThrow(/1 to 19 windows/)
  })
})

describe('the host checks an escrow before it accepts a share', () => {
  type Case = [name: string, reason: EscrowRejection, arrange: () => Promise<{ offer: EscrowOffer; expect?: Partial<HostExpectations>; key?: Keypair }>]
  const cases: Case[] = [
    ['not locked yet (its key can still sign)', 'not-locked', async () => ({ offer: offerOf((await upload({ lock: false }))[0]!.escrow) })],
    ['paying less than the host’s price', 'price', async () => ({ offer: offerOf((await upload())[0]!.escrow), expect: { minAmount: 3n * XLM } })],
    ['with too little time before the deadline', 'deadline', async () => ({ offer: offerOf((await upload({ windowLength: 3600 }))[0]!.escrow) })],
    ['paying another host', 'not-for-this-host', async () => ({ offer: offerOf((await upload())[0]!.escrow), key: other })],
    ['underfunded', 'underfunded', async () => ({ offer: offerOf((await upload({ shortBy: 10_000n }))[0]!.escrow) })],
    ['not funded at all', 'missing', async () => ({ offer: offerOf(fakeEscrow()) })],
    [
      'whose refund is valid early',
      'malformed',
      async () => {
        const p = (await upload())[0]!
        const early = buildEscrow({
          escrow: escrowKeypair(p.seed),
          startSequence: p.escrow.startSequence,
          terms: { ...p.escrow.terms, windows: [{ ...p.escrow.terms.windows[0]!, deadline: T0 + 10 }] },
          passphrase: dev.passphrase,
        })
        return { offer: { ...offerOf(p.escrow), refund: early.refund.xdr } }
      },
    ],
    [
      'with a signer the host was not told about (a drain the owner pre-authorized)',
      'signers',
      async () => {
        const p = (await upload({ lock: false }))[0]!
        const drain = fromEscrow(
          p.escrow,
          [Operation.payment({ destination: owner.publicKey(), asset: Asset.native(), amount: '2' })],
          p.escrow.startSequence + 2n,
        )
        const lock = TransactionBuilder.fromXDR(p.escrow.lockXdr, dev.passphrase) as Transaction
        const b = new TransactionBuilder(new Account(p.escrow.account, p.escrow.startSequence.toString()), {
          fee: '100',
          networkPassphrase: dev.passphrase,
          timebounds: { minTime: 0, maxTime: 0 },
        })
        b.addOperation(Operation.setOptions({ signer: { preAuthTx: drain.hash(), weight: 1 } }))
        for (const op of lock.operations) {
          if (op.type !== 'setOptions' || !op.signer || !('preAuthTx' in op.signer)) throw new Error('unexpected')
          b.addOperation(Operation.setOptions({ ...op, signer: { preAuthTx: op.signer.preAuthTx, weight: 1 } } as Parameters<typeof Operation.setOptions>[0]))
        }
        const bad = b.build()
        bad.sign(escrowKeypair(p.seed))
        await ledger.submit(bad.toEnvelope().toXdr('base64'))
        return { offer: offerOf(p.escrow) }
      },
    ],
    [
      'after a claim already applied',
      'sequence',
      async () => {
        const p = (await upload({ windows: 2 }))[0]!
        const v = await verifyEscrow(ledger, offerOf(p.escrow), expectations())
        await claimWindow(ledger, v, 0, p.nonce(0), p.bytes)
        return { offer: offerOf(p.escrow) }
      },
    ],
    [
      'when the host has no account to be paid into',
      'host-account',
      async () => {
        const nobody = Keypair.random()
        const p = (await upload({ hosts: [{ key: nobody, bytes: share(4) }] }))[0]!
        return { offer: offerOf(p.escrow), key: nobody }
      },
    ],
  ]

  it.each(cases)('refuses one %s', async (_name, reason, arrange) => {
    const { offer, expect: extra, key } = await arrange()
    await expect(verifyEscrow(ledger, offer, expectations(key ?? host, extra))).rejects.toMatchObject({ name: 'EscrowRejectedError', reason })
  })
})

function fakeEscrow(): Escrow {
  const seed = new Uint8Array(32).fill(5)
  return buildEscrow({
    escrow: escrowKeypair(seed),
    startSequence: 99n << 32n,
    terms: { owner: owner.publicKey(), host: host.publicKey(), windows: [{ amount: XLM, deadline: T0 + 30 * DAY, lock: new Uint8Array(32) }] },
    passphrase: dev.passphrase,
  })
}

describe('keys and recovery', () => {
  it('derives the escrow key and nonces from the seed alone; nonces differ per window', () => {
    const seed = new Uint8Array(32).fill(1)
    expect(escrowKeypair(seed).publicKey()).toBe(escrowKeypair(seed.slice()).publicKey())
    expect(escrowNonce(seed, 0)).not.toEqual(escrowNonce(seed, 1))
    expect(escrowKeypair(new Uint8Array(32).fill(2)).publicKey()).not.toBe(escrowKeypair(seed).publicKey())
    expect(escrowSeedInfo('upload-1/host-2/0')).toBe('layr/v1/escrow/upload-1/host-2/0')
    expect(() => escrowKeypair(new Uint8Array(31))).toThrow(RangeError)
  })

  it('an escrow funded but never locked is recovered with the re-derived key', async () => {
    const before = await balance(owner)
    const [p] = await upload({ lock: false })
    expect((await escrowStatus(ledger, p!.escrow)).state).toBe('funded')
    const key = escrowKeypair(p!.seed)
    const seq = (await ledger.loadAccount(key.publicKey()))!.sequence
    const back = new TransactionBuilder(new Account(key.publicKey(), seq.toString()), {
      fee: '100',
      networkPassphrase: dev.passphrase,
      timebounds: { minTime: 0, maxTime: 0 },
    })
      .addOperation(Operation.accountMerge({ destination: owner.publicKey() }))
      .build()
    back.sign(key)
    await ledger.submit(back.toEnvelope().toXdr('base64'))
    expect(await balance(owner)).toBe(before - 2n * BASE_FEE) // the funding's fee and the merge's
  })
})

describe('costs', () => {
  it('for 8 hosts, as the ledger really charges them', async () => {
    const keys = Array.from({ length: 8 }, () => Keypair.random())
    for (const k of keys) await ledger.fund(k.publicKey())
    const before = await balance(owner)
    const placed = await upload({ hosts: keys.map((key, i) => ({ key, bytes: share(10 + i) })) })
    const c = escrowCosts(8, 1)
    expect(before - (await balance(owner))).toBe(8n * 2n * XLM + c.locked + 8n * BASE_FEE)
    for (const p of placed) {
      const v = await verifyEscrow(ledger, offerOf(p.escrow), expectations(p.hostKey))
      await claimWindow(ledger, v, 0, p.nonce(0), p.bytes)
    }
    expect(before - (await balance(owner))).toBe(8n * 2n * XLM + c.feesAllClaimed)
    expect(c).toEqual({
      hosts: 8,
      windows: 1,
      locked: 8n * (4n * 5_000_000n + 500n),
      reserves: 8n * 2n * XLM,
      feesAllClaimed: 800n + 8n * 400n,
      feesAllRefunded: 800n + 8n * 300n,
      returnedAllClaimed: 8n * (2n * XLM + 100n),
      returnedAllRefunded: 8n * (2n * XLM + 200n),
    })
    const audit = escrowCosts(8, DEFAULT_AUDIT_WINDOWS)
    expect(audit.reserves).toBe(8n * 3n * XLM)
    expect([formatXlm(c.reserves), formatXlm(c.feesAllClaimed), formatXlm(audit.reserves), formatXlm(audit.feesAllClaimed)]).toEqual([
      '16 XLM',
      '0.0004 XLM',
      '24 XLM',
      '0.00072 XLM',
    ])
  })
})
