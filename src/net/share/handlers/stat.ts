import type { Handler } from './types.ts'

/** STAT: the quota this host offers and how much of it is used. */
export const stat: Handler<'stat'> = {
  async handle(_req, _ctx, { accounting }) {
    const u = await accounting.used()
    return { status: 'ok', stat: { quota: accounting.limits.quota, used: u.bytes, shares: u.shares } }
  },
}
