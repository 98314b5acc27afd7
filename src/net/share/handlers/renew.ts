import { equal, toHex } from '../../../core/bytes.ts'
import { claimEnd, leaseEnd } from '../../../core/lease/index.ts'
import { checkAuth, renewMessage } from '../auth.ts'
import type { Handler } from './types.ts'

/**
 * RENEW: an owner extends its leases on shares this host holds for it, to `lease` from now (capped
 * by the host; a lease never shortens). Signed by the owner for this host within the time window,
 * like a delete; the answer says, key by key, when each lease now ends, or 0 where this host holds
 * no such share for this owner (so a renewal doubles as a cheap "do you still have these?").
 */
export const renew: Handler<'renew'> = {
  async handle(req, _ctx, parts) {
    const why = checkAuth(req, renewMessage(req.keys, req.lease, req.time, parts.peerId), parts.now(), 'renew')
    if (why) return { status: 'unauthorized', message: why }
    const until = leaseEnd(parts.now(), req.lease)
    const leases: number[] = []
    for (const key of req.keys) {
      const hex = toHex(key)
      leases.push(
        await parts.exclusive(hex, async () => {
          const record = await parts.store.record(hex)
          const claim = record?.owners.find((c) => equal(c.owner, req.owner))
          if (!record || !claim) return 0
          const expires = Math.max(until, claimEnd(claim))
          if (expires !== claim.expires) await parts.store.update({ ...record, owners: record.owners.map((c) => (c === claim ? { ...c, expires } : c)) })
          return expires
        }),
      )
    }
    parts.counters.renewed += leases.filter((t) => t > 0).length
    return { status: 'ok', leases }
  },
}
