import { checkAuth, offerMessage } from '../auth.ts'
import type { Handler } from './types.ts'

/**
 * OFFER: an owner hands this host an escrow (src/pay) for the shares it will store here. The offer
 * must be signed by its owner for this host within the time window; the host then checks the
 * escrow on its ledger (verifyEscrow: locked, funded, paying this host, time left) and keeps it.
 * A priced host stores only for owners with an open accepted offer (handlers/store.ts).
 */
export const offer: Handler<'offer'> = {
  async handle(req, _ctx, parts) {
    const payments = parts.payments
    if (!payments?.priced) {
      return { status: 'payment-refused', reason: 'free', message: 'This host stores for free: it takes no escrow, so nothing was locked for it.' }
    }
    const terms = { account: req.account, claims: req.claims, refund: req.refund }
    const why = checkAuth(req, offerMessage(terms, req.time, parts.peerId), parts.now())
    if (why) return { status: 'unauthorized', message: why }
    await parts.exclusive(`escrow:${req.account}`, () => payments.accept(req.owner, terms, parts.now()))
    return { status: 'ok' }
  },
}
