import type { Handler } from './types.ts'

/** STAT: the quota this host offers, how much of it is used, and how much the asking peer may still store. */
export const stat: Handler<'stat'> = {
  async handle(_req, ctx, { accounting }) {
    const s = await accounting.standing(ctx.peer)
    return { status: 'ok', stat: { quota: accounting.limits.quota, used: s.bytes, shares: s.shares, room: s.room } }
  },
}
