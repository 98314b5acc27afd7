import { describe, expect, it } from 'vitest'
import { Account, Asset, Keypair, Operation, StrKey, TransactionBuilder, hash as sha256, type xdr } from '@stellar/stellar-sdk'
import { DevLedger, type SubmitOutcome } from './engine.ts'
import { stateFromJson, stateToJson } from './state.ts'

const XLM = 10_000_000n
const T0 = 1_800_000_000

function setup(): { ledger: DevLedger; alice: Keypair; bob: Keypair } {
  const ledger = new DevLedger({ clock: () => T0 * 1000 })
  const alice = Keypair.random()
  const bob = Keypair.random()
  expect(ledger.fund(alice.publicKey()).applied).toBe(true)
  expect(ledger.fund(bob.publicKey()).applied).toBe(true)
  return { ledger, alice, bob }
}

interface TxOptions {
  fee?: number
  seq?: bigint
  timebounds?: { minTime: number; maxTime: number }
  minAccountSequence?: string
  extraSigners?: string[]
  passphrase?: string
}

function build(ledger: DevLedger, source: string, ops: xdr.Operation[], options: TxOptions = {}) {
  const acc = ledger.account(source)
  const seq = options.seq ?? acc?.seq ?? 0n
  const b = new TransactionBuilder(new Account(source, seq.toString()), {
    fee: String(options.fee ?? 100),
    networkPassphrase: options.passphrase ?? ledger.passphrase,
    timebounds: options.timebounds ?? { minTime: 0, maxTime: 0 },
    ...(options.minAccountSequence !== undefined ? { minAccountSequence: options.minAccountSequence } : {}),
    ...(options.extraSigners ? { extraSigners: options.extraSigners } : {}),
  })
  for (const op of ops) b.addOperation(op)
  return b.build()
}

const pay = (destination: string, amount: string, source?: string) =>
  Operation.payment({ destination, asset: Asset.native(), amount, ...(source ? { source } : {}) })

function code(outcome: SubmitOutcome): string {
  return outcome.applied ? 'tx_success' : outcome.transaction
}

function opCodes(outcome: SubmitOutcome): readonly string[] | undefined {
  return outcome.operations
}

describe('dev ledger: transactions', () => {
  it('the friendbot creates an account once, with 10,000 XLM at the ledger’s starting sequence', () => {
    const { ledger, alice } = setup()
    const a = ledger.account(alice.publicKey())!
    expect(a.balance).toBe(10_000n * XLM)
    expect(a.seq).toBe(BigInt(a.lastModifiedLedger) << 32n)
    const again = ledger.fund(alice.publicKey())
    expect(code(again)).toBe('tx_failed')
    expect(opCodes(again)).toEqual(['op_already_exists'])
  })

  it('a payment moves lumens, charges 100 stroops per operation and uses the sequence number', () => {
    const { ledger, alice, bob } = setup()
    const before = ledger.account(alice.publicKey())!
    const tx = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1'), pay(bob.publicKey(), '2')], { fee: 1000 })
    tx.sign(alice)
    const out = ledger.submit(tx.toEnvelope().toXdr('base64'))
    expect(code(out)).toBe('tx_success')
    const after = ledger.account(alice.publicKey())!
    expect(before.balance - after.balance).toBe(3n * XLM + 200n)
    expect(after.seq).toBe(before.seq + 1n)
    expect(ledger.account(bob.publicKey())!.balance).toBe(10_003n * XLM)
  })

  it.each([
    [
      'tx_bad_seq (sequence reused)',
      (l: DevLedger, a: Keypair, b: Keypair) => build(l, a.publicKey(), [pay(b.publicKey(), '1')], { seq: l.account(a.publicKey())!.seq - 1n }),
      'tx_bad_seq',
    ],
    [
      'tx_bad_seq (sequence skipped)',
      (l: DevLedger, a: Keypair, b: Keypair) => build(l, a.publicKey(), [pay(b.publicKey(), '1')], { seq: l.account(a.publicKey())!.seq + 1n }),
      'tx_bad_seq',
    ],
    [
      'tx_insufficient_fee',
      (l: DevLedger, a: Keypair, b: Keypair) => build(l, a.publicKey(), [pay(b.publicKey(), '1'), pay(b.publicKey(), '1')], { fee: 99 }),
      'tx_insufficient_fee',
    ],
    [
      'tx_too_early',
      (l: DevLedger, a: Keypair, b: Keypair) => build(l, a.publicKey(), [pay(b.publicKey(), '1')], { timebounds: { minTime: l.now() + 10, maxTime: 0 } }),
      'tx_too_early',
    ],
    [
      'tx_too_late',
      (l: DevLedger, a: Keypair, b: Keypair) => build(l, a.publicKey(), [pay(b.publicKey(), '1')], { timebounds: { minTime: 0, maxTime: l.now() - 1 } }),
      'tx_too_late',
    ],
    [
      'tx_no_source_account',
      (l: DevLedger, _a: Keypair, b: Keypair) => build(l, Keypair.random().publicKey(), [pay(b.publicKey(), '1')], { seq: 1n }),
      'tx_no_source_account',
    ],
    [
      'tx_bad_minseq_age_or_gap is not raised without the condition',
      (l: DevLedger, a: Keypair, b: Keypair) => build(l, a.publicKey(), [pay(b.publicKey(), '1')]),
      'tx_success',
    ],
  ])('%s', (_name, make, expected) => {
    const { ledger, alice, bob } = setup()
    const tx = make(ledger, alice, bob)
    tx.sign(alice)
    const before = ledger.account(alice.publicKey())
    const out = ledger.submit(tx.toEnvelope().toXdr('base64'))
    expect(code(out)).toBe(expected)
    if (expected !== 'tx_success') expect(ledger.account(alice.publicKey())).toEqual(before)
  })

  it('refuses signatures by the wrong key, for another network, and unused extra signatures', () => {
    const { ledger, alice, bob } = setup()
    const wrongKey = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')])
    wrongKey.sign(bob)
    expect(code(ledger.submit(wrongKey.toEnvelope().toXdr('base64')))).toBe('tx_bad_auth')
    const otherNetwork = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')], { passphrase: 'Test SDF Network ; September 2015' })
    otherNetwork.sign(alice)
    expect(code(ledger.submit(otherNetwork.toEnvelope().toXdr('base64')))).toBe('tx_bad_auth')
    const unsigned = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')])
    expect(code(ledger.submit(unsigned.toEnvelope().toXdr('base64')))).toBe('tx_bad_auth')
    const extra = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')])
    extra.sign(alice)
    extra.sign(bob)
    expect(code(ledger.submit(extra.toEnvelope().toXdr('base64')))).toBe('tx_bad_auth_extra')
    expect(code(ledger.submit('AAAA'))).toBe('tx_malformed')
  })

  it('holds reserves: 1 XLM per account, 0.5 XLM per signer; fees come out of what is available', () => {
    const { ledger, alice, bob } = setup()
    const carol = Keypair.random()
    const tooSmall = build(ledger, alice.publicKey(), [Operation.createAccount({ destination: carol.publicKey(), startingBalance: '0.9999999' })])
    tooSmall.sign(alice)
    const low = ledger.submit(tooSmall.toEnvelope().toXdr('base64'))
    expect([code(low), opCodes(low)]).toEqual(['tx_failed', ['op_low_reserve']])
    const create = build(ledger, alice.publicKey(), [Operation.createAccount({ destination: carol.publicKey(), startingBalance: '1.0000100' })])
    create.sign(alice)
    expect(code(ledger.submit(create.toEnvelope().toXdr('base64')))).toBe('tx_success')
    // 1 XLM + 100 stroops: one fee can be paid, a payment of one stroop more than that cannot.
    const over = build(ledger, carol.publicKey(), [pay(bob.publicKey(), '0.0000001')])
    over.sign(carol)
    const under = ledger.submit(over.toEnvelope().toXdr('base64'))
    expect([code(under), opCodes(under)]).toEqual(['tx_failed', ['op_underfunded']])
    // That failed payment still cost its fee and its sequence number; now nothing is left for fees.
    expect(ledger.account(carol.publicKey())!.balance).toBe(XLM)
    const broke = build(ledger, carol.publicKey(), [pay(bob.publicKey(), '0.0000001')])
    broke.sign(carol)
    expect(code(ledger.submit(broke.toEnvelope().toXdr('base64')))).toBe('tx_insufficient_balance')
    const signer = build(ledger, alice.publicKey(), [Operation.payment({ destination: carol.publicKey(), asset: Asset.native(), amount: '0.0000100' })])
    signer.sign(alice)
    expect(code(ledger.submit(signer.toEnvelope().toXdr('base64')))).toBe('tx_success')
    const addSigner = build(ledger, carol.publicKey(), [Operation.setOptions({ signer: { ed25519PublicKey: bob.publicKey(), weight: 1 } })])
    addSigner.sign(carol)
    const lowReserve = ledger.submit(addSigner.toEnvelope().toXdr('base64'))
    expect([code(lowReserve), opCodes(lowReserve)]).toEqual(['tx_failed', ['op_low_reserve']])
  })

  it('a failed operation undoes the transaction’s other operations, but not its fee', () => {
    const { ledger, alice, bob } = setup()
    const nobody = Keypair.random().publicKey()
    const before = ledger.account(bob.publicKey())!.balance
    const tx = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '5'), pay(nobody, '1')])
    tx.sign(alice)
    const out = ledger.submit(tx.toEnvelope().toXdr('base64'))
    expect([code(out), opCodes(out)]).toEqual(['tx_failed', ['op_success', 'op_no_destination']])
    expect(ledger.account(bob.publicKey())!.balance).toBe(before)
    expect(ledger.transaction(Buffer.from(tx.hash()).toString('hex'))?.successful).toBe(false)
  })

  it('pre-authorized transaction signers need no signature, sign once and are then removed; master weight 0 locks the key out', () => {
    const { ledger, alice, bob } = setup()
    const s = ledger.account(alice.publicKey())!.seq
    // The lock uses s + 1; the pre-authorized payment is built for s + 2.
    const preauthed = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')], { seq: s + 1n })
    const lock = build(ledger, alice.publicKey(), [
      Operation.setOptions({ signer: { preAuthTx: preauthed.hash(), weight: 1 }, masterWeight: 0, lowThreshold: 1, medThreshold: 1, highThreshold: 1 }),
    ])
    lock.sign(alice)
    expect(code(ledger.submit(lock.toEnvelope().toXdr('base64')))).toBe('tx_success')
    expect(ledger.account(alice.publicKey())!.signers).toEqual([{ key: StrKey.encodePreAuthTx(preauthed.hash()), weight: 1 }])
    const byMaster = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '2')])
    byMaster.sign(alice)
    expect(code(ledger.submit(byMaster.toEnvelope().toXdr('base64')))).toBe('tx_bad_auth')
    expect(code(ledger.submit(preauthed.toEnvelope().toXdr('base64')))).toBe('tx_success')
    const a = ledger.account(alice.publicKey())!
    expect(a.signers).toEqual([])
    expect(a.masterWeight).toBe(0)
    const again = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')])
    expect(code(ledger.submit(again.toEnvelope().toXdr('base64')))).toBe('tx_bad_auth')
  })

  it('a hashX signer accepts its preimage, and extraSigners bind a preimage to one transaction', () => {
    const { ledger, alice, bob } = setup()
    const preimage = new Uint8Array(32).fill(9)
    const x = sha256(preimage)
    const add = build(ledger, alice.publicKey(), [Operation.setOptions({ signer: { sha256Hash: x, weight: 1 } })])
    add.sign(alice)
    expect(code(ledger.submit(add.toEnvelope().toXdr('base64')))).toBe('tx_success')
    const byPreimage = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')])
    byPreimage.signHashX(preimage)
    expect(code(ledger.submit(byPreimage.toEnvelope().toXdr('base64')))).toBe('tx_success')
    const wrong = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')])
    wrong.signHashX(new Uint8Array(32).fill(8))
    expect(code(ledger.submit(wrong.toEnvelope().toXdr('base64')))).toBe('tx_bad_auth')

    const y = sha256(new Uint8Array([1, 2, 3]))
    const needsExtra = build(ledger, bob.publicKey(), [pay(alice.publicKey(), '1')], { extraSigners: [StrKey.encodeSha256Hash(y)] })
    needsExtra.sign(bob)
    expect(code(ledger.submit(needsExtra.toEnvelope().toXdr('base64')))).toBe('tx_bad_auth')
    needsExtra.signHashX(new Uint8Array([1, 2, 3]))
    expect(code(ledger.submit(needsExtra.toEnvelope().toXdr('base64')))).toBe('tx_success')
  })

  it('minSeqNum lets a transaction skip sequence numbers, within its range', () => {
    const { ledger, alice, bob } = setup()
    const s = ledger.account(alice.publicKey())!.seq
    const jump = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')], { seq: s + 4n, minAccountSequence: s.toString() })
    jump.sign(alice)
    const tooHigh = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')], { seq: s + 9n, minAccountSequence: (s + 1n).toString() })
    tooHigh.sign(alice)
    expect(code(ledger.submit(tooHigh.toEnvelope().toXdr('base64')))).toBe('tx_bad_seq')
    expect(code(ledger.submit(jump.toEnvelope().toXdr('base64')))).toBe('tx_success')
    expect(ledger.account(alice.publicKey())!.seq).toBe(s + 5n)
  })

  it('thresholds: a signer below the high threshold cannot merge; merge and bumpSequence work', () => {
    const { ledger, alice, bob } = setup()
    const carol = Keypair.random()
    const set = build(ledger, alice.publicKey(), [
      Operation.setOptions({ signer: { ed25519PublicKey: carol.publicKey(), weight: 1 }, highThreshold: 2, medThreshold: 1, lowThreshold: 1 }),
    ])
    set.sign(alice)
    expect(code(ledger.submit(set.toEnvelope().toXdr('base64')))).toBe('tx_success')
    const merge = build(ledger, alice.publicKey(), [Operation.accountMerge({ destination: bob.publicKey() })])
    merge.sign(carol)
    const refused = ledger.submit(merge.toEnvelope().toXdr('base64'))
    expect([code(refused), opCodes(refused)]).toEqual(['tx_failed', ['op_bad_auth']])
    const bump = build(ledger, alice.publicKey(), [Operation.bumpSequence({ bumpTo: String(ledger.account(alice.publicKey())!.seq + 10n) })])
    bump.sign(carol)
    expect(code(ledger.submit(bump.toEnvelope().toXdr('base64')))).toBe('tx_success')
    const before = ledger.account(bob.publicKey())!.balance
    const aliceBalance = ledger.account(alice.publicKey())!.balance
    const merge2 = build(ledger, alice.publicKey(), [Operation.accountMerge({ destination: bob.publicKey() })])
    merge2.sign(alice)
    merge2.sign(carol)
    expect(code(ledger.submit(merge2.toEnvelope().toXdr('base64')))).toBe('tx_success')
    expect(ledger.account(alice.publicKey())).toBeUndefined()
    expect(ledger.account(bob.publicKey())!.balance).toBe(before + aliceBalance - 100n)
  })

  it('the clock moves forward only, and time bounds follow it', () => {
    const { ledger, alice, bob } = setup()
    const t = ledger.now()
    const tx = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')], { timebounds: { minTime: t + 3600, maxTime: 0 } })
    tx.sign(alice)
    expect(code(ledger.submit(tx.toEnvelope().toXdr('base64')))).toBe('tx_too_early')
    expect(ledger.advanceClock(3600)).toBe(t + 3600)
    expect(code(ledger.submit(tx.toEnvelope().toXdr('base64')))).toBe('tx_success')
    expect(() => ledger.setClock(t)).toThrow(/cannot go back/)
    expect(() => ledger.advanceClock(-1)).toThrow(RangeError)
  })

  it('its state round-trips through JSON', () => {
    const { ledger, alice, bob } = setup()
    const tx = build(ledger, alice.publicKey(), [pay(bob.publicKey(), '1')])
    tx.sign(alice)
    ledger.submit(tx.toEnvelope().toXdr('base64'))
    const text = stateToJson(ledger.state as never)
    expect(text).toMatch(/not a blockchain/)
    const again = new DevLedger({ state: stateFromJson(text) })
    expect(again.account(alice.publicKey())).toEqual(ledger.account(alice.publicKey()))
    expect(again.ledgerSeq).toBe(ledger.ledgerSeq)
    expect(again.operationsOf(bob.publicKey())).toHaveLength(ledger.operationsOf(bob.publicKey()).length)
    const replay = again.submit(tx.toEnvelope().toXdr('base64'))
    expect(code(replay)).toBe('tx_success') // a resubmission answers with the recorded result
    expect(again.account(alice.publicKey())).toEqual(ledger.account(alice.publicKey()))
  })
})
