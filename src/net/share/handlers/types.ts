/**
 * The host's side of the share protocol is one handler per message type (as kad-dht has
 * rpc/handlers/): each checks what its message asks and answers with a typed status. Handlers
 * of messages that carry a body also `admit` the header first, before a byte of the body is
 * accepted: authentication and room are decided on the header alone.
 */
import type { ShareStore } from '../../../ports/share-store.ts'
import type { RecordStore } from '../../../ports/record-store.ts'
import type { Accounting, Reservation } from '../accounting.ts'
import type { HostPayments } from '../payments.ts'
import type { Interim, RequestHead, RequestType, ShareRequest, ShareResponse } from '../messages.ts'
import type { HostKind } from '../../../core/placement/index.ts'
import type { RepairCapability } from '../../../core/repair/capability.ts'

/**
 * What a host that repairs for others does with grants (a Node host: transfer/delegated.ts). The
 * handlers have checked the owner's signature and the capability before calling it.
 */
export interface RepairService {
  /** Keeps (or replaces) the owner's grant; `via` is the peer that sent it. */
  grant(cap: RepairCapability, via: string): Promise<void>
  /** Forgets the owner's grant and updates; false when there was none. */
  revoke(owner: Uint8Array): Promise<boolean>
  /** The owner's holders updates, encoded (core/repair/holders-update.ts encodeUpdates). */
  updates(owner: Uint8Array): Promise<Uint8Array>
}

export interface HostCounters {
  stored: number
  served: number
  /** Audits answered. */
  audited: number
  deleted: number
  refused: number
  /** Leases renewed, and shares dropped because every lease on them ended. */
  renewed: number
  expired: number
}

/** What every handler works with. */
export interface HostParts {
  readonly store: ShareStore
  /** Other owners' manifest records; without it the host keeps none. */
  readonly records: RecordStore | undefined
  readonly accounting: Accounting
  /** Price, payout account, accepted escrows and claims; undefined: the host is free and takes no escrow. */
  readonly payments: HostPayments | undefined
  /** Repair for others (grants, updates); undefined: this host takes no grants. */
  readonly repairs: RepairService | undefined
  /** This host's peer id: what owners' signatures are bound to. */
  readonly peerId: string
  readonly counters: HostCounters
  /** The host's clock (ms since the epoch); tests move it. */
  readonly now: () => number
  /** Runs `fn` alone for one share key (stores and deletes of one share do not interleave). */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>
  /** What this host says of its reliability in STAT (HostOptions.describe). */
  describe(): HostDescription | Promise<HostDescription>
}

/** How reliable a host says it is: STAT's `persistent` and `kind`. */
export interface HostDescription {
  readonly persistent?: boolean
  readonly kind?: HostKind
}

/** Who sent the request. */
export interface RequestContext {
  readonly peer: string
}

/** A header let in: room is reserved, and released (or committed) when the request is done. */
export interface Admitted {
  readonly status: 'continue'
  readonly room?: Reservation
}

export type Admission = Admitted | Exclude<Interim, { status: 'continue' }>

export interface Handler<T extends RequestType> {
  admit?(head: Extract<RequestHead, { type: T }>, ctx: RequestContext, parts: HostParts): Promise<Admission>
  handle(req: Extract<ShareRequest, { type: T }>, ctx: RequestContext, parts: HostParts, admitted: Admitted): Promise<ShareResponse>
}
