import type { Handler } from './types.ts'

/** STAT: the quota this host offers, how much of it is used, and how much the asking peer may still store. */
export const stat: Handler<'stat'> = {
  async handle(_req, ctx, { accounting }) {
    const [u, room] = await Promise.all([accounting.used(), accounting.roomFor(ctx.peer)])
    return { status: 'ok', stat: { quota: accounting.limits.quota, used: u.bytes, shares: u.shares, room } }
  },
}
