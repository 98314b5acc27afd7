/**
 * Paying an upload's hosts (docs/LEDGER.md §4), the owner's side. After the plan and before any
 * share leaves:
 *
 * 1. the quote: what each priced host is paid (its bytes × price × term), the reserves locked and
 *    returned, the fees, and whether the account can pay; the owner says pay, or free hosts only;
 * 2. the locks: the few segments whose shares the escrows' windows lock are encoded ahead
 *    (src/pay/owner.ts lockedShare), r_i = sha256(nonce_i ‖ share) for every window;
 * 3. ONE funding transaction creating every host's escrow, signed in the wallet (one click);
 * 4. each escrow's lock, signed here by its own derived key; an escrow whose lock fails is merged
 *    straight back (its key still controls it), so nothing is left half-made;
 * 5. an `offer` to each host: a priced host stores only for an owner whose escrow it accepted.
 *
 * Then `revealWindow` lets a host claim: window 0 once the manifest is saved (pay on delivery),
 * window i at a passed audit once it is due (pay per audit). What each escrow is for is kept in the
 * owner's EscrowBook; the ledger is the record of what was paid.
 */
import { Account, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { fromHex, toHex } from '../core/bytes.ts'
import { LayrError } from '../core/errors.ts'
import type { Candidate, UploadPlan } from '../core/placement/index.ts'
import type { Vault } from '../core/vault/index.ts'
import { signOffer } from '../net/share/auth.ts'
import type { EscrowBook, EscrowEntry } from '../ports/escrow-book.ts'
import type { Ledger } from '../ports/ledger.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import type { Wallet } from '../ports/wallet.ts'
import { BASE_FEE, minimumBalance, formatXlm } from '../pay/amounts.ts'
import { escrowCosts, type EscrowCosts } from '../pay/costs.ts'
import { buildEscrow, buildFunding, escrowBalance, type Escrow, type EscrowWindow } from '../pay/escrow.ts'
import { escrowKeypair, escrowNonce, escrowSeedInfo } from '../pay/keys.ts'
import { claimLock, claimPreimage } from '../pay/preimage.ts'
import { PAY_WINDOWS, escrowIdOf, hostPrice, hostShares, lockedShare, windowSchedule, type ShareRef } from '../pay/owner.ts'

/** The owner's account cannot pay what the upload's escrows need. */
export class InsufficientFundsError extends LayrError {
  override readonly name = 'InsufficientFundsError'
}

/** The ledger did not take the upload's funding (nothing was paid), or an escrow could not be set up. */
export class EscrowSetupError extends LayrError {
  override readonly name = 'EscrowSetupError'
}

export interface PaymentQuote {
  /** Hosts that charge, among the plan's. */
  readonly hosts: number
  /** Stroops the hosts are paid in all, if every window is claimed. */
  readonly price: bigint
  readonly costs: EscrowCosts
  /** Stroops that leave the account now: the price, the reserves and fee buffers (mostly returned). */
  readonly total: bigint
  /** The account's balance, and whether it covers the total and its own reserve. */
  readonly balance: bigint
  readonly enough: boolean
  readonly owner: string
  readonly termDays: number
}

/** The owner's answer to a quote: pay the hosts that charge, or back up to free hosts only. */
export type PayDecision = 'pay' | 'free'

export interface PayParts {
  readonly net: PeerNetwork
  readonly vault: Vault
  readonly ledger: Ledger
  readonly wallet: Wallet
  readonly book: EscrowBook
  /** The lease term the escrows pay for (ms). */
  readonly termMs: number
  readonly now?: () => number
}

export interface PayRequest {
  readonly fileId: Uint8Array
  readonly plan: UploadPlan
  /** The plan's hosts that charge (price > 0, with an account). */
  readonly hosts: readonly Candidate[]
  /** Encodes the named shares of the upload ahead (core/pipeline encodeShares). */
  readonly shares: (refs: readonly ShareRef[]) => Promise<Map<string, { bytes: Uint8Array; key: Uint8Array }>>
  readonly confirm: (quote: PaymentQuote) => Promise<PayDecision>
  readonly signal?: AbortSignal
}

export type PayOutcome =
  | { readonly declined: true }
  | {
      readonly declined: false
      /** Hosts whose escrow or offer failed: they take no share of this upload. */
      readonly refused: readonly string[]
      readonly escrows: readonly EscrowEntry[]
    }

interface Pending {
  readonly host: Candidate
  readonly id: string
  readonly seed: Uint8Array
  readonly key: Keypair
  readonly windows: ReturnType<typeof windowSchedule>
  readonly locked: readonly ShareRef[]
}

export async function payUpload(p: PayParts, req: PayRequest): Promise<PayOutcome> {
  const { ledger, wallet } = p
  // The wallet's network first: a wallet on another network fails here, before any quote or signature.
  await wallet.checkNetwork()
  const owner = await wallet.address()
  const passphrase = ledger.network.passphrase
  const start = await ledger.closeTime()
  const fileHex = toHex(req.fileId)
  const pending: Pending[] = await Promise.all(
    req.hosts.map(async (host) => {
      const id = escrowIdOf(fileHex, host.peerId, start)
      const seed = await p.vault.deriveBytes(escrowSeedInfo(id))
      const total = hostPrice(req.plan.load.get(host.peerId) ?? 0, host.price ?? 0, p.termMs)
      const windows = windowSchedule(total, start, p.termMs)
      const shares = hostShares(req.plan.assignments, host.peerId)
      const locked = windows.map((_, i) => lockedShare(escrowNonce(seed, i), shares))
      return { host, id, seed, key: escrowKeypair(seed), windows, locked }
    }),
  )
  const price = pending.reduce((s, e) => s + e.windows.reduce((a, w) => a + w.amount, 0n), 0n)
  const funded = pending.reduce((s, e) => s + escrowBalance(e.windows), 0n)
  const total = funded + BASE_FEE * BigInt(pending.length)
  const account = await ledger.loadAccount(owner)
  const balance = account?.balance ?? 0n
  const enough = account !== undefined && balance - total >= minimumBalance(account.subentries)
  const quote: PaymentQuote = {
    hosts: pending.length,
    price,
    costs: escrowCosts(pending.length, PAY_WINDOWS),
    total,
    balance,
    enough,
    owner,
    termDays: Math.round(p.termMs / 86_400_000),
  }
  if ((await req.confirm(quote)) === 'free') return { declined: true }
  req.signal?.throwIfAborted()
  if (!account || !enough) {
    throw new InsufficientFundsError(
      `Your account ${short(owner)} has ${formatXlm(balance)}; this backup's escrows need ${formatXlm(total)} and the account must keep its own reserve. Add lumens, or back up to free hosts only.`,
    )
  }

  // The locks: r_i from the bytes of the share window i locks, encoded ahead.
  const shares = await req.shares(pending.flatMap((e) => e.locked))
  const withLocks = pending.map((e) => ({
    ...e,
    escrowWindows: e.windows.map((w, i): EscrowWindow => {
      const share = shares.get(`${e.locked[i]!.segment}/${e.locked[i]!.share}`)
      if (!share) throw new EscrowSetupError('A share an escrow locks was not encoded.')
      return { amount: w.amount, deadline: w.deadline, lock: claimLock(claimPreimage(escrowNonce(e.seed, i), share.bytes)) }
    }),
  }))
  const funding = buildFunding({
    owner,
    ownerSequence: account.sequence,
    escrows: withLocks.map((e) => ({ account: e.key.publicKey(), windows: e.escrowWindows })),
    passphrase,
    now: start,
  })
  // The one click. A refusal (WalletRejectedError), a missing wallet or the wrong network throws
  // here, before anything reached the ledger.
  const signed = await wallet.signTransaction(funding, { networkPassphrase: passphrase, address: owner })
  try {
    await ledger.submit(signed)
  } catch (err) {
    throw new EscrowSetupError(`The ledger did not take this backup's payment, so nothing was paid: ${(err as Error).message}`)
  }

  const refused: string[] = []
  const entries: EscrowEntry[] = []
  await Promise.all(
    withLocks.map(async (e) => {
      let escrow: Escrow
      try {
        const created = await ledger.loadAccount(e.key.publicKey())
        if (!created) throw new EscrowSetupError('The escrow account is not on the ledger.')
        escrow = buildEscrow({ escrow: e.key, startSequence: created.sequence, terms: { owner, host: e.host.account!, windows: e.escrowWindows }, passphrase })
        await ledger.submit(escrow.lockXdr)
      } catch {
        // Not locked: its own key still controls it, so it goes straight back to the owner.
        await reclaim(ledger, e.key, owner, passphrase).catch(() => {})
        refused.push(e.host.peerId)
        return
      }
      const entry = bookEntry(e, escrow, fileHex, passphrase, shares, p.now?.() ?? Date.now())
      await p.book.put(entry)
      const terms = { account: escrow.account, claims: escrow.claims.map((c) => c.xdr), refund: escrow.refund.xdr }
      try {
        const res = await p.net.request(e.host.peerId, { type: 'offer', ...terms, ...signOffer(p.vault, terms, e.host.peerId) }, { timeoutMs: 30_000 })
        if (res.status !== 'ok') throw new Error(`${res.status}: ${res.message}`)
        const offered = { ...entry, offered: true }
        await p.book.put(offered)
        entries.push(offered)
      } catch {
        // The host will not store for this escrow; it is refunded after its last deadline.
        refused.push(e.host.peerId)
        entries.push(entry)
      }
    }),
  )
  return { declined: false, refused, escrows: entries }
}

function bookEntry(
  e: Pending & { escrowWindows: readonly EscrowWindow[] },
  escrow: Escrow,
  fileId: string,
  passphrase: string,
  shares: Map<string, { key: Uint8Array }>,
  now: number,
): EscrowEntry {
  return {
    account: escrow.account,
    id: e.id,
    fileId,
    host: e.host.peerId,
    payee: e.host.account!,
    owner: escrow.terms.owner,
    passphrase,
    startSequence: escrow.startSequence.toString(),
    windows: e.windows.map((w, i) => ({
      amount: w.amount.toString(),
      due: w.due,
      deadline: w.deadline,
      segment: e.locked[i]!.segment,
      share: e.locked[i]!.share,
      key: toHex(shares.get(`${e.locked[i]!.segment}/${e.locked[i]!.share}`)!.key),
      claim: escrow.claims[i]!.hash,
    })),
    refund: escrow.refund.hash,
    refundFrom: escrow.refund.validFrom,
    offered: false,
    createdAt: now,
  }
}

/** Merges an escrow that was funded but never locked back into the owner's account. */
async function reclaim(ledger: Ledger, key: Keypair, owner: string, passphrase: string): Promise<void> {
  const account = await ledger.loadAccount(key.publicKey())
  if (!account) return
  const tx = new TransactionBuilder(new Account(key.publicKey(), account.sequence.toString()), { fee: BASE_FEE.toString(), networkPassphrase: passphrase })
    .addOperation(Operation.accountMerge({ destination: owner }))
    .setTimeout(300)
    .build()
  tx.sign(key)
  await ledger.submit(tx.toEnvelope().toXdr('base64'))
}

export interface RevealParts {
  readonly net: PeerNetwork
  readonly vault: Vault
  readonly book: EscrowBook
  readonly now?: () => number
}

/**
 * Reveals window `i`'s nonce to the escrow's host, naming the share it locks, so the host can claim
 * it; records when and what the host answered. Resolves with the outcome ('paid', or the refusal).
 */
export async function revealWindow(p: RevealParts, entry: EscrowEntry, i: number, options: { signal?: AbortSignal } = {}): Promise<string> {
  const w = entry.windows[i]
  if (!w) throw new RangeError(`The escrow has ${entry.windows.length} windows; there is no window ${i}.`)
  const seed = await p.vault.deriveBytes(escrowSeedInfo(entry.id))
  let outcome: string
  try {
    const res = await p.net.request(
      entry.host,
      { type: 'reveal', account: entry.account, window: i, nonce: escrowNonce(seed, i), key: fromHex(w.key) },
      { timeoutMs: 60_000, ...(options.signal ? { signal: options.signal } : {}) },
    )
    outcome = res.status === 'ok' ? 'paid' : res.status === 'payment-refused' ? `refused: ${res.reason}` : `refused: ${res.status}`
  } catch (err) {
    // Not reached: the window can be revealed again while its deadline is ahead.
    if (options.signal?.aborted) throw err
    return 'unreachable'
  }
  const now = p.now?.() ?? Date.now()
  const latest = (await p.book.get(entry.account)) ?? entry
  await p.book.put({ ...latest, windows: latest.windows.map((x, j) => (j === i ? { ...x, revealedAt: now, outcome } : x)) })
  return outcome
}

/** Pay on delivery: reveals window 0 of every escrow (of a file whose manifest was just saved: `book.list(fileId)`). */
export async function revealDelivery(p: RevealParts, escrows: readonly EscrowEntry[], options: { signal?: AbortSignal } = {}): Promise<string[]> {
  const due = escrows.filter((e) => e.offered && e.windows[0] && e.windows[0].revealedAt === undefined)
  return Promise.all(due.map((e) => revealWindow(p, e, 0, options)))
}

/**
 * Pay per audit: for each of a file's escrows (`book.list(fileId)`) whose host just passed an audit, reveals the first
 * audit window that is due (its due time passed, its deadline not) and not yet revealed.
 */
export async function revealAudited(
  p: RevealParts,
  escrows: readonly EscrowEntry[],
  passed: ReadonlySet<string>,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const now = Math.floor((p.now?.() ?? Date.now()) / 1000)
  let revealed = 0
  for (const e of escrows) {
    if (!e.offered || !passed.has(e.host)) continue
    const i = e.windows.findIndex((w, j) => j > 0 && w.revealedAt === undefined && w.due <= now && now <= w.deadline)
    if (i < 0) continue
    if ((await revealWindow(p, e, i, options)) === 'paid') revealed++
  }
  return revealed
}

const short = (account: string): string => `${account.slice(0, 4)}…${account.slice(-4)}`
