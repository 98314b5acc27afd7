import { equal, toHex } from '../../../core/bytes.ts'
import { checkAuth, deleteMessage } from '../auth.ts'
import type { Handler } from './types.ts'

/**
 * DELETE: an owner lets go of a share. It must be signed by an owner that holds the share, for
 * this host, within the time window, and later than that owner's latest store of it (so an old
 * delete cannot be replayed after the share is stored again). The bytes go when no owner is left.
 */
export const remove: Handler<'delete'> = {
  async handle(req, _ctx, parts) {
    const hex = toHex(req.key)
    return parts.exclusive(hex, async () => {
      const record = await parts.store.record(hex)
      const claim = record?.owners.find((c) => equal(c.owner, req.owner))
      if (!record || !claim) return { status: 'not-found', message: 'This host holds no share of yours under that key.' }
      const why = checkAuth(req, deleteMessage(req.key, req.time, parts.peerId), parts.now())
      if (why) return { status: 'unauthorized', message: why }
      if (req.time < claim.since) {
        return { status: 'unauthorized', message: 'This delete was signed before the share was last stored here; sign a new one.' }
      }
      const rest = record.owners.filter((c) => c !== claim)
      if (rest.length === 0) await parts.store.delete(hex)
      else await parts.store.update({ ...record, owners: rest })
      parts.accounting.released(claim, record.size)
      parts.counters.deleted++
      return { status: 'ok' }
    })
  },
}
