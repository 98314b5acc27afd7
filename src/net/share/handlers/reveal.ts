import { toHex } from '../../../core/bytes.ts'
import type { Handler } from './types.ts'

/**
 * REVEAL: the owner reveals the nonce of one window of an escrow this host accepted, and names the
 * share it locks. The host reads the bytes it holds, computes r = sha256(nonce ‖ share) and submits
 * that window's claim. No signature: a reveal can only let this host claim money meant for it, and
 * r is checked against the claim's lock before anything reaches the ledger.
 */
export const reveal: Handler<'reveal'> = {
  async handle(req, _ctx, parts) {
    const payments = parts.payments
    if (!payments) return { status: 'not-found', message: 'This host accepted no escrow: it stores for free.' }
    const offer = await payments.store.offer(req.account)
    if (!offer) return { status: 'not-found', message: `This host accepted no escrow ${req.account}.` }
    const share = await parts.store.get(toHex(req.key))
    if (!share) return { status: 'not-found', message: 'This host does not hold the share the reveal names, so it cannot claim.' }
    const claim = await parts.exclusive(`escrow:${req.account}`, () => payments.claim(req.account, req.window, req.nonce, share, parts.now()))
    if (!claim) return { status: 'not-found', message: `This host accepted no escrow ${req.account}.` }
    return { status: 'ok', claim: { hash: claim.hash, amount: Number(claim.amount), ledger: claim.ledger } }
  },
}
