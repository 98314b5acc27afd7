/**
 * Payments: hosts earn lumens through Stellar escrows, paid only for data they really hold.
 *
 * One upload, one wallet signature: the owner's funding transaction creates a throwaway escrow
 * account per host (escrow.ts: buildFunding). Each escrow then locks itself in the browser with its
 * own key (buildEscrow): pre-authorized signers for its claims and its refund, master weight 0, so
 * nothing else can ever move its funds — not the owner, not its own key, not whoever saw a preimage.
 * A claim pays the host and is valid only before its deadline and only with the hashX extra signer
 * sha256(r), r = sha256(nonce ‖ share) (preimage.ts), which only a holder of the share's bytes can
 * compute once the owner reveals the nonce: with the share for pay on delivery, at audit i for pay
 * per audit (up to 19 windows, minSeqNum preconditions so a missed window never blocks the next).
 * The refund merges what is left back to the owner after the last deadline. Hosts check all of this
 * on the ledger before accepting a share (host.ts); status.ts reads back what was paid; costs.ts
 * says what it costs before anyone signs.
 *
 * The escrow key and every nonce derive from a per-escrow seed that the vault derives (keys.ts), so
 * the recovery text alone recovers an escrow whose lock was never submitted. Everything here is
 * pure and offline (stellar-sdk's base); the network is behind the Ledger port (src/ports/ledger.ts).
 * The transactions are written down in docs/LEDGER.md.
 */
export * from './amounts.ts'
export * from './keys.ts'
export * from './preimage.ts'
export * from './escrow.ts'
export * from './host.ts'
export * from './status.ts'
export * from './costs.ts'
