import { equal } from '../../../core/bytes.ts'
import { CapabilityError, decodeCapability, DelegationRefusedError, verifyDelegation } from '../../../core/repair/capability.ts'
import { isRefusal } from '../accounting.ts'
import { AUTH_WINDOW_MS, checkAuth, delegateMessage, readRepairsMessage, undelegateMessage } from '../auth.ts'
import type { Handler, HostParts } from './types.ts'

const NOT_HERE = 'This host does not repair files for others (a Node host started with repair on does).'

function windowProblem(time: number, parts: HostParts): string | undefined {
  const now = parts.now()
  return Math.abs(time - now) > AUTH_WINDOW_MS
    ? `The request was signed at ${new Date(time).toISOString()}, more than ${AUTH_WINDOW_MS / 60_000} minutes from this host's clock. Check the device's clock.`
    : undefined
}

/**
 * DELEGATE: an owner grants this host repair of its files (core/repair/capability.ts), or
 * replaces its grant. Admitted on the header (a host that repairs, a fresh time, bytes in flight
 * bounded per peer); then the owner's signature over the capability's SHA-256 for this host, the
 * capability decoded within its limits, its owner the signer, and its delegation signed, not
 * ended and not too long. The host keeps it, and repairs under it on its own schedule.
 */
export const delegate: Handler<'delegate'> = {
  async admit(head, ctx, parts) {
    if (!parts.repairs) return { status: 'not-found', message: NOT_HERE }
    const late = windowProblem(head.time, parts)
    if (late) return { status: 'unauthorized', message: late }
    const inflight = parts.accounting.holdInflight(ctx.peer, head.body)
    if (isRefusal(inflight)) return inflight
    return { status: 'continue', room: { commit: () => inflight.release(), release: () => inflight.release() } }
  },

  async handle(req, ctx, parts) {
    const repairs = parts.repairs
    if (!repairs) return { status: 'not-found', message: NOT_HERE }
    const why = checkAuth(req, delegateMessage(req.capability, req.time, parts.peerId), parts.now())
    if (why) return { status: 'unauthorized', message: why }
    let cap
    try {
      cap = decodeCapability(req.capability)
      if (!equal(cap.owner, req.owner)) return { status: 'unauthorized', message: 'The capability is for another owner than the one who signed the request.' }
      verifyDelegation(cap.owner, cap.delegation, parts.now())
    } catch (err) {
      if (err instanceof CapabilityError) return { status: 'bad-request', message: err.message.slice(0, 500) }
      if (err instanceof DelegationRefusedError) return { status: 'unauthorized', message: err.message }
      throw err
    }
    await repairs.grant(cap, ctx.peer)
    return { status: 'ok' }
  },
}

/** UNDELEGATE: the owner withdraws its grant; the host forgets its capability and updates. */
export const undelegate: Handler<'undelegate'> = {
  async handle(req, _ctx, parts) {
    if (!parts.repairs) return { status: 'not-found', message: NOT_HERE }
    const why = checkAuth(req, undelegateMessage(req.owner, req.time, parts.peerId), parts.now())
    if (why) return { status: 'unauthorized', message: why }
    await parts.repairs.revoke(req.owner)
    return { status: 'ok' }
  },
}

/** REPAIRS: the owner reads the holders updates this host signed under its grant (answered only to the owner). */
export const repairs: Handler<'repairs'> = {
  async handle(req, _ctx, parts) {
    if (!parts.repairs) return { status: 'not-found', message: NOT_HERE }
    const why = checkAuth(req, readRepairsMessage(req.owner, req.time, parts.peerId), parts.now())
    if (why) return { status: 'unauthorized', message: why }
    return { status: 'ok', bytes: await parts.repairs.updates(req.owner) }
  },
}
