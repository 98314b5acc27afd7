/**
 * What became of an escrow, read from the ledger: which windows were paid (their claim applied),
 * which were missed, and whether the rest came back. The owner's Wallet view and the host's
 * earnings both read this; the ledger is the record, nothing is kept on the side.
 */
import type { Ledger } from '../ports/ledger.ts'
import type { ClaimTx, Escrow, RefundTx } from './escrow.ts'

/** What the status needs of an escrow: its account, its start, and its claims' and refund's hashes. */
export type EscrowRef = Pick<Escrow, 'account' | 'startSequence'> & {
  readonly claims: readonly Pick<ClaimTx, 'hash' | 'deadline'>[]
  readonly refund: Pick<RefundTx, 'hash'>
}

export type WindowState =
  /** Its claim applied and paid the host. */
  | 'paid'
  /** Its claim applied but its payment failed (the host's account was gone); the money stayed. */
  | 'failed'
  /** Still claimable: before its deadline, and no later claim applied. */
  | 'open'
  /** Its deadline passed (or a later window was claimed) without a claim; its money goes back to the owner. */
  | 'missed'

export type EscrowState =
  /** Funded but not locked yet: its own key still controls it (lock it, or merge it back). */
  | 'funded'
  /** Locked; windows open or paid. */
  | 'locked'
  /** Ended by the last claim's merge. */
  | 'closed'
  /** Ended by the refund. */
  | 'refunded'
  /** Not on the ledger and never locked: not funded yet (or funding failed). */
  | 'absent'

export interface EscrowStatus {
  readonly state: EscrowState
  readonly windows: readonly WindowState[]
  /** The escrow's current balance, stroops (0 once merged). */
  readonly balance: bigint
}

export async function escrowStatus(ledger: Ledger, escrow: EscrowRef): Promise<EscrowStatus> {
  const [account, now, claims, refund] = await Promise.all([
    ledger.loadAccount(escrow.account),
    ledger.closeTime(),
    Promise.all(escrow.claims.map((c) => ledger.transaction(c.hash))),
    ledger.transaction(escrow.refund.hash),
  ])
  const lastApplied = claims.reduce((last, tx, i) => (tx ? i : last), -1)
  const windows = escrow.claims.map((c, i): WindowState => {
    const tx = claims[i]
    if (tx) return tx.successful ? 'paid' : 'failed'
    if (refund || i < lastApplied || now > c.deadline) return 'missed'
    return account ? 'open' : 'missed'
  })
  let state: EscrowState
  if (refund?.successful) state = 'refunded'
  else if (claims.at(-1)?.successful) state = 'closed'
  else if (!account) state = 'absent'
  else state = account.sequence > escrow.startSequence ? 'locked' : 'funded'
  return { state, windows, balance: account?.balance ?? 0n }
}
