import type { Handler } from './types.ts'

/** STAT: the quota this host offers, how much of it is used, how much the asking peer may still store, and its price. */
export const stat: Handler<'stat'> = {
  async handle(_req, ctx, { accounting, payments }) {
    const s = await accounting.standing(ctx.peer)
    const stat = { quota: accounting.limits.quota, used: s.bytes, shares: s.shares, room: s.room }
    // A price is announced only with the account to pay (a host without one stores for free).
    const p = payments?.priced ? payments.pricing : undefined
    return { status: 'ok', stat: p?.account ? { ...stat, price: p.price, account: p.account } : stat }
  },
}
