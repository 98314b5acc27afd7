/**
 * The Ledger port straight over a DevLedger in the same process: no HTTP, for unit tests of
 * escrows (src/pay) and anything else that needs a ledger. It answers as the Horizon adapter does
 * (same errors, same shapes), which relay/ledger/horizon.test.ts checks over HTTP.
 */
import { LOCAL_PASSPHRASE, TransactionRejectedError, type Ledger, type LedgerAccount, type LedgerPayment } from '../../src/ports/ledger.ts'
import { BASE_FEE } from '../../src/pay/amounts.ts'
import type { DevLedger, SubmitOutcome } from './engine.ts'
import type { AccountState } from './state.ts'

export function inProcessLedger(dev: DevLedger): Ledger {
  const settle = (outcome: SubmitOutcome) => {
    if (!outcome.applied) throw new TransactionRejectedError(outcome.transaction, outcome.operations ?? [], outcome.resultXdr)
    return { hash: outcome.record.hash, ledger: outcome.record.ledger, feeCharged: outcome.record.feeCharged }
  }
  return {
    network: { kind: 'local', horizonUrl: 'in-process:', passphrase: dev.passphrase ?? LOCAL_PASSPHRASE },
    canFund: true,
    loadAccount: async (id) => {
      const a = dev.account(id)
      return a && toAccount(a)
    },
    submit: async (envelope) => settle(dev.submit(envelope)),
    transaction: async (hash) => {
      const t = dev.transaction(hash)
      return t && { hash: t.hash, successful: t.successful, ledger: t.ledger, closeTime: t.closeTime, source: t.source, feeCharged: t.feeCharged }
    },
    payments: async (accountId, query = {}) => {
      let ops = dev.operationsOf(accountId).filter((op) => op.successful)
      if (query.order === 'desc') ops = ops.reverse()
      if (query.cursor !== undefined) {
        const c = BigInt(query.cursor)
        ops = ops.filter((op) => (query.order === 'desc' ? op.id < c : op.id > c))
      }
      return ops.slice(0, query.limit ?? 10).flatMap((op): LedgerPayment[] => {
        const base = { id: op.id.toString(), transactionHash: op.txHash, successful: op.successful, closeTime: op.closeTime }
        const d = op.details
        if (d.type === 'create_account') return [{ ...base, type: 'create_account', from: d.funder, to: d.account, amount: d.startingBalance }]
        if (d.type === 'payment') return [{ ...base, type: 'payment', from: d.from, to: d.to, amount: d.amount }]
        if (d.type === 'account_merge') return [{ ...base, type: 'account_merge', from: d.account, to: d.into }]
        return []
      })
    },
    closeTime: async () => dev.now(),
    baseFee: async () => BASE_FEE,
    fund: async (id) => {
      settle(dev.fund(id))
    },
  }
}

function toAccount(a: AccountState): LedgerAccount {
  return {
    id: a.id,
    sequence: a.seq,
    balance: a.balance,
    subentries: a.signers.length,
    signers: [
      ...a.signers.map((s) => ({
        key: s.key,
        weight: s.weight,
        type: s.key.startsWith('T') ? ('preAuthTx' as const) : s.key.startsWith('X') ? ('sha256Hash' as const) : ('ed25519' as const),
      })),
      { key: a.id, weight: a.masterWeight, type: 'ed25519' as const },
    ],
    masterWeight: a.masterWeight,
    thresholds: { ...a.thresholds },
    numSponsoring: 0,
  }
}
