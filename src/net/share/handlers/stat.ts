import type { Handler } from './types.ts'

/**
 * STAT: the quota this host offers, how much of it is used, how much the asking peer may still
 * store, its price, and how reliable it says it is (persistent storage; a tab, an app or a server).
 */
export const stat: Handler<'stat'> = {
  async handle(_req, ctx, { accounting, payments, describe }) {
    const s = await accounting.standing(ctx.peer)
    // A description that cannot be had (a browser API that failed) is left out, not a failed STAT.
    const { persistent, kind } = await Promise.resolve()
      .then(describe)
      .catch(() => ({ persistent: undefined, kind: undefined }))
    const stat = {
      quota: accounting.limits.quota,
      used: s.bytes,
      shares: s.shares,
      room: s.room,
      ...(persistent !== undefined ? { persistent } : {}),
      ...(kind !== undefined ? { kind } : {}),
    }
    // A price is announced only with the account to pay (a host without one stores for free).
    const p = payments?.priced ? payments.pricing : undefined
    return { status: 'ok', stat: p?.account ? { ...stat, price: p.price, account: p.account } : stat }
  },
}
