import { equal } from '../../../core/bytes.ts'
import { RECORD_LIMITS, verifyRecord } from '../../../core/records/index.ts'
import { entryOf, RECORD_OVERHEAD } from '../../../ports/record-store.ts'
import { isRefusal } from '../accounting.ts'
import { checkAuth, readRecordsMessage, type OwnerAuth } from '../auth.ts'
import type { Handler, HostParts } from './types.ts'

/**
 * Manifest records: RECORD-PUT keeps an owner-signed record (the highest revision wins, so a
 * tombstone is never undone); RECORD-LIST and RECORD-GET answer only the owner (a signature
 * over the host's peer id and a fresh time), so a stranger who knows an owner id cannot list
 * its files or watch them change.
 */
export const recordPut: Handler<'record-put'> = {
  async admit(head, ctx, parts) {
    if (!parts.records) return { status: 'not-found', message: 'This host keeps no manifests.' }
    const { owner, fileId } = head.record
    const existing = await parts.records.get(owner, fileId)
    // Live files count against the owner's limit; tombstones have a limit of their own, where an
    // old one gives way to a new one (handle), so removing files never uses up an owner's room.
    if (!existing && head.body > 0 && (await parts.records.entries(owner)).filter((e) => !e.tombstone).length >= RECORD_LIMITS.perOwner) {
      return { status: 'over-quota', message: `This host keeps at most ${RECORD_LIMITS.perOwner} manifests per owner.` }
    }
    const need = Math.max(0, head.body - (existing ? existing.sealed.length : -RECORD_OVERHEAD))
    const inflight = parts.accounting.holdInflight(ctx.peer, head.body)
    if (isRefusal(inflight)) return inflight
    const room = await parts.accounting.reserve({ peer: ctx.peer, owner, hostBytes: need, ownerBytes: need })
    if (isRefusal(room)) {
      inflight.release()
      return room
    }
    return { status: 'continue', room: { commit: () => (room.commit(), inflight.release()), release: () => (room.release(), inflight.release()) } }
  },

  async handle(req, _ctx, parts, admitted) {
    if (!verifyRecord(req.record)) return { status: 'unauthorized', message: 'The manifest record is not signed by its owner.' }
    const records = parts.records!
    const r = req.record
    if (r.sealed.length === 0 && !(await records.get(r.owner, r.fileId))) {
      // At the limit, the first tombstones in the store's order give way: every tombstone is a
      // final removal, so which one goes matters little (the owner's devices keep their own).
      const tombstones = (await records.entries(r.owner)).filter((e) => e.tombstone)
      for (const old of tombstones.slice(0, Math.max(0, tombstones.length - RECORD_LIMITS.perOwner + 1))) {
        if (await records.delete(r.owner, old.fileId)) parts.accounting.released({ owner: r.owner, since: 0 }, RECORD_OVERHEAD)
      }
    }
    const kept = await records.put(r)
    if (kept.revision === req.record.revision && equal(kept.signature, req.record.signature)) admitted.room?.commit()
    parts.counters.stored++
    return { status: 'ok', entries: [entryOf(kept)] }
  },
}

function ownerOnly(req: OwnerAuth, parts: HostParts): string | undefined {
  return checkAuth(req, readRecordsMessage(req.owner, req.time, parts.peerId), parts.now())
}

export const recordList: Handler<'record-list'> = {
  async handle(req, _ctx, parts) {
    const why = ownerOnly(req, parts)
    if (why) return { status: 'unauthorized', message: why }
    return { status: 'ok', entries: parts.records ? await parts.records.entries(req.owner) : [] }
  },
}

export const recordGet: Handler<'record-get'> = {
  async handle(req, _ctx, parts) {
    const why = ownerOnly(req, parts)
    if (why) return { status: 'unauthorized', message: why }
    const r = await parts.records?.get(req.owner, req.fileId)
    if (!r || !equal(r.owner, req.owner)) return { status: 'not-found', message: 'This host keeps no such manifest.' }
    parts.counters.served++
    return { status: 'ok', record: r }
  },
}
