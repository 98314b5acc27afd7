/**
 * One place that decides whether a host has room: the quota the user set, each owner's and each
 * peer's part of it (a host that hosts for free should not be filled by one stranger, or by one
 * peer with many throwaway owner keys), and the bytes a peer may have in flight at once (bodies
 * announced but not yet handled), so that stalled or parallel uploads cannot hold unbounded
 * memory. Checks and reservations happen with no await between them, so parallel requests
 * cannot all pass one check.
 */
import { toHex } from '../../core/bytes.ts'
import type { OwnerClaim, ShareStore } from '../../ports/share-store.ts'
import type { RecordStore } from '../../ports/record-store.ts'

const MiB = 1024 * 1024

export interface HostLimits {
  /** Bytes this host offers in all (shares and manifest records). */
  readonly quota: number
  /** The part of the quota one owner may hold (0–1]. */
  readonly perOwner: number
  /** The part of the quota one peer may fill (0–1]: shares it stored, and records it put this session. */
  readonly perPeer: number
  /** Bytes one peer may have in flight (announced bodies not yet handled). */
  readonly inflightPerPeer: number
  /** Bytes all peers together may have in flight. */
  readonly inflightTotal: number
}

export const DEFAULT_LIMITS: Omit<HostLimits, 'quota'> = {
  perOwner: 0.5,
  perPeer: 0.5,
  inflightPerPeer: 24 * MiB,
  inflightTotal: 96 * MiB,
}

/** A hold on room, to be committed (the bytes were kept) or released (they were not). */
export interface Reservation {
  commit(): void
  release(): void
}

export type Refusal = { readonly status: 'over-quota' | 'busy'; readonly message: string }

export interface RoomRequest {
  /** The peer that asks. */
  readonly peer: string
  /** The owner the bytes are held for (its public key). */
  readonly owner: Uint8Array
  /** New bytes for the host as a whole (0 when it already holds them). */
  readonly hostBytes: number
  /** New bytes for this owner and peer (the share's size when this owner did not hold it). */
  readonly ownerBytes: number
}

function mib(n: number): string {
  return `${(n / MiB).toFixed(1)} MiB`
}

export class Accounting {
  #limits: HostLimits
  #reserved = 0
  readonly #ownerUsed = new Map<string, number>()
  readonly #ownerReserved = new Map<string, number>()
  readonly #peerUsed = new Map<string, number>()
  readonly #peerReserved = new Map<string, number>()
  readonly #inflight = new Map<string, number>()
  #inflightTotal = 0
  #loaded: Promise<void> | undefined

  constructor(
    private readonly shares: ShareStore,
    private readonly records: RecordStore | undefined,
    limits: Partial<HostLimits> & { quota: number },
  ) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits }
  }

  get limits(): HostLimits {
    return this.#limits
  }

  setQuota(bytes: number): void {
    this.#limits = { ...this.#limits, quota: Math.max(0, Math.floor(bytes)) }
  }

  /** Bytes held for others: shares and manifest records, which share one quota. */
  async used(): Promise<{ bytes: number; shares: number }> {
    const [u, r] = await Promise.all([this.shares.usage(), this.records?.usage()])
    return { bytes: u.bytes + (r?.bytes ?? 0), shares: u.shares }
  }

  /** What each owner holds, counted once from the store and kept up to date after. */
  #load(): Promise<void> {
    this.#loaded ??= this.shares.list().then((list) => {
      for (const r of list) {
        for (const c of r.owners) {
          add(this.#ownerUsed, toHex(c.owner), r.size)
          if (c.via) add(this.#peerUsed, c.via, r.size)
        }
      }
    })
    return this.#loaded
  }

  /** Reserves room for a store or record, or says why there is none. */
  async reserve(req: RoomRequest): Promise<Reservation | Refusal> {
    const [u] = await Promise.all([this.used(), this.#load()])
    // From here on, no await: the check and the reservation are one step.
    const { quota, perOwner, perPeer } = this.#limits
    const owner = toHex(req.owner)
    const free = quota - u.bytes - this.#reserved
    if (req.hostBytes > free) {
      return { status: 'over-quota', message: `This host has ${Math.max(0, free)} bytes free of its quota.` }
    }
    const ownerHas = (this.#ownerUsed.get(owner) ?? 0) + (this.#ownerReserved.get(owner) ?? 0)
    if (req.ownerBytes > 0 && ownerHas + req.ownerBytes > quota * perOwner) {
      return { status: 'over-quota', message: `This host keeps at most ${mib(quota * perOwner)} for one owner, and this owner has ${mib(ownerHas)} here.` }
    }
    const peerHas = (this.#peerUsed.get(req.peer) ?? 0) + (this.#peerReserved.get(req.peer) ?? 0)
    if (req.ownerBytes > 0 && peerHas + req.ownerBytes > quota * perPeer) {
      return { status: 'over-quota', message: `This host takes at most ${mib(quota * perPeer)} from one peer, and this peer has sent ${mib(peerHas)}.` }
    }
    this.#reserved += req.hostBytes
    add(this.#ownerReserved, owner, req.ownerBytes)
    add(this.#peerReserved, req.peer, req.ownerBytes)
    let done = false
    const release = (): void => {
      if (done) return
      done = true
      this.#reserved -= req.hostBytes
      add(this.#ownerReserved, owner, -req.ownerBytes)
      add(this.#peerReserved, req.peer, -req.ownerBytes)
    }
    return {
      commit: () => {
        if (done) return
        release()
        add(this.#ownerUsed, owner, req.ownerBytes)
        add(this.#peerUsed, req.peer, req.ownerBytes)
      },
      release,
    }
  }

  /** What is held here, and the bytes `peer` may still store: the quota's free room, within the peer's part of it. */
  async standing(peer: string): Promise<{ bytes: number; shares: number; room: number }> {
    const [u] = await Promise.all([this.used(), this.#load()])
    const { quota, perPeer } = this.#limits
    const peerHas = (this.#peerUsed.get(peer) ?? 0) + (this.#peerReserved.get(peer) ?? 0)
    return { ...u, room: Math.max(0, Math.min(quota - u.bytes - this.#reserved, Math.floor(quota * perPeer) - peerHas)) }
  }

  /** An owner let go of a share of `bytes` (a delete). */
  released(claim: OwnerClaim, bytes: number): void {
    add(this.#ownerUsed, toHex(claim.owner), -bytes)
    if (claim.via) add(this.#peerUsed, claim.via, -bytes)
  }

  /** Holds `bytes` of a peer's in-flight budget until released; undefined when it is spent. */
  holdInflight(peer: string, bytes: number): { release(): void } | Refusal {
    const { inflightPerPeer, inflightTotal } = this.#limits
    const mine = this.#inflight.get(peer) ?? 0
    if (mine + bytes > inflightPerPeer) {
      return { status: 'busy', message: `This peer already has ${mib(mine)} of uploads in flight here (at most ${mib(inflightPerPeer)}); send fewer at once.` }
    }
    if (this.#inflightTotal + bytes > inflightTotal) {
      return { status: 'busy', message: 'This host is receiving as much as it can; try again in a moment.' }
    }
    add(this.#inflight, peer, bytes)
    this.#inflightTotal += bytes
    let done = false
    return {
      release: () => {
        if (done) return
        done = true
        add(this.#inflight, peer, -bytes)
        this.#inflightTotal -= bytes
      },
    }
  }

  /** Bytes in flight now, for tests and metrics. */
  get inflight(): number {
    return this.#inflightTotal
  }
}

function add(m: Map<string, number>, key: string, n: number): void {
  const v = (m.get(key) ?? 0) + n
  if (v <= 0) m.delete(key)
  else m.set(key, v)
}

export function isRefusal(x: unknown): x is Refusal {
  return typeof x === 'object' && x !== null && 'status' in x
}
