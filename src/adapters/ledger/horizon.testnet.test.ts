/**
 * Against Stellar's public testnet, for whoever has the internet: one pay-on-delivery escrow from
 * funding to claim, through the Horizon adapter. Off unless LAYR_TESTNET=1 (these machines have no
 * internet, and testnet is shared and reset a few times a year).
 */
import { describe, expect, it } from 'vitest'
import { Keypair, TransactionBuilder, type Transaction } from '@stellar/stellar-sdk/base'
import { createHorizonLedger } from './horizon.ts'
import { TESTNET } from '../../ports/ledger.ts'
import {
  buildEscrow,
  buildFunding,
  claimLock,
  claimPreimage,
  claimWindow,
  escrowKeypair,
  escrowNonce,
  escrowStatus,
  offerOf,
  verifyEscrow,
} from '../../pay/index.ts'

const enabled = process.env.LAYR_TESTNET === '1'

describe.skipIf(!enabled)('Stellar testnet — skipped unless LAYR_TESTNET=1 (needs the internet; uses friendbot and horizon-testnet.stellar.org)', () => {
  it('funds, locks and claims a pay-on-delivery escrow', async () => {
    const ledger = createHorizonLedger(TESTNET)
    const owner = Keypair.random()
    const host = Keypair.random()
    await ledger.fund(owner.publicKey())
    await ledger.fund(host.publicKey())
    const seed = crypto.getRandomValues(new Uint8Array(32))
    const bytes = crypto.getRandomValues(new Uint8Array(65536))
    const now = await ledger.closeTime()
    const windows = [{ amount: 10_000_000n, deadline: now + 3600, lock: claimLock(claimPreimage(escrowNonce(seed, 0), bytes)) }]
    const key = escrowKeypair(seed)
    const funding = TransactionBuilder.fromXDR(
      buildFunding({
        owner: owner.publicKey(),
        ownerSequence: (await ledger.loadAccount(owner.publicKey()))!.sequence,
        escrows: [{ account: key.publicKey(), windows }],
        passphrase: TESTNET.passphrase,
        now,
      }),
      TESTNET.passphrase,
    ) as Transaction
    funding.sign(owner)
    await ledger.submit(funding.toEnvelope().toXdr('base64'))
    const escrow = buildEscrow({
      escrow: key,
      startSequence: (await ledger.loadAccount(key.publicKey()))!.sequence,
      terms: { owner: owner.publicKey(), host: host.publicKey(), windows },
      passphrase: TESTNET.passphrase,
    })
    await ledger.submit(escrow.lockXdr)
    const v = await verifyEscrow(ledger, offerOf(escrow), { host: host.publicKey(), passphrase: TESTNET.passphrase, minTimeLeft: 600 })
    await expect(ledger.submit(escrow.claims[0]!.xdr)).rejects.toMatchObject({ transaction: 'tx_bad_auth' })
    await claimWindow(ledger, v, 0, escrowNonce(seed, 0), bytes)
    expect(await escrowStatus(ledger, escrow)).toMatchObject({ state: 'closed', windows: ['paid'] })
  }, 120_000)
})
