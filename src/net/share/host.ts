/**
 * The host's side of the share protocol, without libp2p: validate, check, store, answer.
 * A host refuses bytes that do not hash to the claimed Merkle root (or a key that is not
 * derived from that root), a store over the user's quota, and a delete not signed by the
 * share's owner. Every refusal is a typed status with a message; nothing is half-written.
 */
import { concat, toHex, utf8, equal } from '../../core/bytes.ts'
import { LEAF_SIZE, merkleRoot } from '../../core/merkle/index.ts'
import { shareKey } from '../../core/pipeline/index.ts'
import { verifySignature } from '../../core/vault/index.ts'
import type { ShareStore } from '../../ports/share-store.ts'
import { RECORD_OVERHEAD, type RecordStore } from '../../ports/record-store.ts'
import { RECORD_LIMITS, verifyRecord } from '../../core/records/index.ts'
import type { ShareRequest, ShareResponse } from './messages.ts'

const DELETE_CONTEXT = utf8('layr/v1/delete\0')

/** What an owner signs to delete a share from one host (bound to that host's peer id). */
export function deleteMessage(key: Uint8Array, hostPeerId: string): Uint8Array {
  return concat(DELETE_CONTEXT, key, utf8(hostPeerId))
}

export interface HostCounters {
  stored: number
  served: number
  deleted: number
  refused: number
}

export class ShareHost {
  #quota: number
  /** Bytes of stores checked against the quota but not written yet (parallel stores see them). */
  #reserved = 0
  readonly counters: HostCounters = { stored: 0, served: 0, deleted: 0, refused: 0 }

  constructor(
    private readonly store: ShareStore,
    private readonly peerId: string,
    quota: number,
    /** Other owners' manifest records; without it the host answers record requests not-found. */
    private readonly records?: RecordStore,
  ) {
    this.#quota = quota
  }

  get quota(): number {
    return this.#quota
  }

  setQuota(bytes: number): void {
    this.#quota = Math.max(0, Math.floor(bytes))
  }

  async handle(req: ShareRequest): Promise<ShareResponse> {
    const res = await this.#handle(req).catch((err: unknown): ShareResponse => {
      const name = (err as Error | null)?.name
      if (name === 'StorageFullError') return { status: 'over-quota', message: 'This host’s device is full.' }
      if (name === 'InvalidInputError') return { status: 'bad-request', message: (err as Error).message.slice(0, 500) }
      return { status: 'error', message: 'The host could not complete the request.' }
    })
    if (res.status !== 'ok') this.counters.refused++
    return res
  }

  /** Bytes held for others: shares and manifest records, which share one quota. */
  async #used(): Promise<{ bytes: number; shares: number }> {
    const [u, r] = await Promise.all([this.store.usage(), this.records?.usage()])
    return { bytes: u.bytes + (r?.bytes ?? 0), shares: u.shares }
  }

  /**
   * Runs `write` if `need` more bytes fit the quota, counting bytes other writes have reserved
   * but not finished; undefined when they do not fit. The check and the reservation happen with
   * no await between them, so parallel stores cannot all pass the same check.
   */
  async #withRoom<T>(need: number, write: () => Promise<T>): Promise<T | undefined> {
    const u = await this.#used()
    const reserve = Math.max(0, need)
    if (u.bytes + this.#reserved + need > this.#quota) return undefined
    this.#reserved += reserve
    try {
      return await write()
    } finally {
      this.#reserved -= reserve
    }
  }

  async #overQuota(): Promise<ShareResponse> {
    const u = await this.#used()
    return { status: 'over-quota', message: `This host has ${Math.max(0, this.#quota - u.bytes - this.#reserved)} bytes free of its quota.` }
  }

  async #handle(req: ShareRequest): Promise<ShareResponse> {
    switch (req.type) {
      case 'stat': {
        const u = await this.#used()
        return { status: 'ok', stat: { quota: this.#quota, used: u.bytes, shares: u.shares } }
      }
      case 'record-put': {
        if (!this.records) return { status: 'not-found', message: 'This host keeps no manifests.' }
        const r = req.record
        if (!verifyRecord(r)) return { status: 'unauthorized', message: 'The manifest record is not signed by its owner.' }
        const existing = await this.records.get(r.owner, r.fileId)
        if (!existing && (await this.records.entries(r.owner)).length >= RECORD_LIMITS.perOwner) {
          return { status: 'over-quota', message: `This host keeps at most ${RECORD_LIMITS.perOwner} manifests per owner.` }
        }
        const need = r.sealed.length - (existing ? existing.sealed.length : -RECORD_OVERHEAD)
        const kept = await this.#withRoom(need, () => this.records!.put(r))
        if (!kept) return this.#overQuota()
        this.counters.stored++
        return { status: 'ok', entries: [{ fileId: kept.fileId, revision: kept.revision }] }
      }
      case 'record-list': {
        if (!this.records) return { status: 'ok', entries: [] }
        return { status: 'ok', entries: await this.records.entries(req.owner) }
      }
      case 'record-get': {
        const r = await this.records?.get(req.owner, req.fileId)
        if (!r) return { status: 'not-found', message: 'This host keeps no such manifest.' }
        this.counters.served++
        return { status: 'ok', record: r }
      }
      case 'fetch': {
        const bytes = await this.store.get(toHex(req.key), req.range)
        if (!bytes) return { status: 'not-found', message: 'This host does not hold that share.' }
        this.counters.served++
        return { status: 'ok', bytes }
      }
      case 'store': {
        const { key, root, owner, bytes } = req
        if (bytes.length % LEAF_SIZE !== 0) {
          return { status: 'bad-request', message: `A share must be a whole number of ${LEAF_SIZE}-byte leaves.` }
        }
        if (!equal(await shareKey(root), key)) return { status: 'bad-request', message: 'The share key is not derived from its root.' }
        const hex = toHex(key)
        const existing = await this.store.record(hex)
        if (existing && !equal(existing.owner, owner)) {
          return { status: 'unauthorized', message: 'Another owner already stores this share here.' }
        }
        const stored = await this.#withRoom(bytes.length - (existing?.size ?? 0), async () => {
          if (!equal(await merkleRoot(bytes), root)) return 'root-mismatch' as const
          await this.store.put({ key: hex, size: bytes.length, root, owner, storedAt: Date.now() }, bytes)
          return 'ok' as const
        })
        if (!stored) return this.#overQuota()
        if (stored === 'root-mismatch') return { status: 'root-mismatch', message: 'The bytes do not match the claimed Merkle root.' }
        this.counters.stored++
        return { status: 'ok' }
      }
      case 'delete': {
        const hex = toHex(req.key)
        const record = await this.store.record(hex)
        if (!record) return { status: 'not-found', message: 'This host does not hold that share.' }
        if (!verifySignature(record.owner, deleteMessage(req.key, this.peerId), req.signature)) {
          return { status: 'unauthorized', message: 'The delete is not signed by the share’s owner.' }
        }
        await this.store.delete(hex)
        this.counters.deleted++
        return { status: 'ok' }
      }
    }
  }
}
