import { equal, toHex } from '../../../core/bytes.ts'
import { LEAF_SIZE, merkleRoot } from '../../../core/merkle/index.ts'
import { shareKey } from '../../../core/pipeline/index.ts'
import type { OwnerClaim } from '../../../ports/share-store.ts'
import { claimEnd, leaseEnd } from '../../../core/lease/index.ts'
import { isRefusal } from '../accounting.ts'
import { checkAuth, storeMessage } from '../auth.ts'
import type { Handler } from './types.ts'

/**
 * STORE: an owner's signed store of one share, kept for the lease term it asks (capped: core/lease). Before the share is sent, the header must be
 * signed by its owner for this host within the time window, its key must derive from its root,
 * the owner must have an open accepted escrow offer when the host has a price (payment-required),
 * and there must be room (quota, the owner's and the peer's part, bytes in flight). The bytes
 * must then hash to the root. A share already held for another owner is not replaced: this
 * owner is added to it, so no owner can evict another.
 */
export const store: Handler<'store'> = {
  async admit(head, ctx, parts) {
    const { body: size, key, root, owner } = head
    if (size === 0 || size % LEAF_SIZE !== 0) {
      return { status: 'bad-request', message: `A share must be a whole number of ${LEAF_SIZE}-byte leaves.` }
    }
    if (!equal(await shareKey(root), key)) return { status: 'bad-request', message: 'The share key is not derived from its root.' }
    const why = checkAuth(head, storeMessage(key, size, head.lease, head.time, parts.peerId), parts.now(), 'store')
    if (why) return { status: 'unauthorized', message: why }
    // A priced host stores only for owners whose escrow it accepted and can still claim from.
    if (parts.payments?.priced && (await parts.payments.openOffers(owner, parts.now())).length === 0) {
      return { status: 'payment-required', message: parts.payments.paymentRequiredMessage() }
    }
    const existing = await parts.store.record(toHex(key))
    const mine = existing?.owners.some((c) => equal(c.owner, owner)) ?? false
    const inflight = parts.accounting.holdInflight(ctx.peer, size)
    if (isRefusal(inflight)) return inflight
    const room = await parts.accounting.reserve({ peer: ctx.peer, owner, hostBytes: existing ? 0 : size, ownerBytes: mine ? 0 : size })
    if (isRefusal(room)) {
      inflight.release()
      return room
    }
    return {
      status: 'continue',
      room: {
        commit: () => (room.commit(), inflight.release()),
        release: () => (room.release(), inflight.release()),
      },
    }
  },

  async handle(req, ctx, parts, admitted) {
    const { key, root, owner, bytes } = req
    if (!equal(await merkleRoot(bytes), root)) return { status: 'root-mismatch', message: 'The bytes do not match the claimed Merkle root.' }
    const hex = toHex(key)
    await parts.exclusive(hex, async () => {
      const existing = await parts.store.record(hex)
      const before = existing?.owners.find((c) => equal(c.owner, owner))
      // `since` never goes back: a delete signed before any store of this owner stays refused. Nor
      // does the lease: a store is never a way to shorten one.
      const expires = Math.max(leaseEnd(parts.now(), req.lease), before ? claimEnd(before) : 0)
      const claim: OwnerClaim = { owner, since: Math.max(req.time, before?.since ?? 0), via: before?.via ?? ctx.peer, expires }
      const owners = [...(existing?.owners.filter((c) => !equal(c.owner, owner)) ?? []), claim]
      if (existing && (await parts.store.update({ ...existing, owners }))) return
      await parts.store.put({ key: hex, size: bytes.length, root, owners, storedAt: parts.now() }, bytes)
    })
    admitted.room?.commit()
    parts.counters.stored++
    return { status: 'ok' }
  },
}
