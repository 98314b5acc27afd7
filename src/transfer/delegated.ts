/**
 * Delegated repair, the repairing host's side: it keeps each owner's grant (a repair capability,
 * core/repair/capability.ts) and, on its own schedule, audits every delegated file's shares and
 * repairs those below their threshold, with the same code paths as the owner's tab (audit.ts
 * auditFile and shareChecks, repair.ts repairFile) — over the capability's layout instead of a
 * manifest, and signing stores with the delegate key instead of the vault. It never sees a key
 * that decrypts, and never deletes: the stale holders it names are the owner's to delete once the
 * owner has saved the new revision.
 *
 * What it changed is kept per file as one cumulative holders update (core/repair/holders-update.ts),
 * signed by the delegate, which the owner's tab reads with a `repairs` request on its next sync.
 * Its own copy of the layout follows its moves, so later rounds audit the new holders. Daily it
 * also renews the owner's leases at every holder, under the delegation, so an owner away for longer
 * than a lease keeps its files while the grant lasts. A new grant
 * from the owner (sent after the owner adopted the updates) replaces the layout and clears them.
 */
import { toHex } from '../core/bytes.ts'
import { hostPreference, recordAudit, recordOnline, type HostReputation } from '../core/audit/index.ts'
import { DEFAULT_LEASE_MS, MAX_RENEW_KEYS } from '../core/lease/index.ts'
import {
  decodeCapability,
  DelegationRefusedError,
  encodeCapability,
  verifyDelegation,
  type FileLayout,
  type RepairCapability,
} from '../core/repair/capability.ts'
import { decodeUpdates, encodeUpdates, signUpdate, type HoldersUpdate, type SignedUpdate } from '../core/repair/holders-update.ts'
import { delegateSignRenew, delegateStoreSigner, type DelegateKey } from '../net/share/auth.ts'

import type { RepairService } from '../net/share/handlers/types.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { auditFile, shareChecks } from './audit.ts'
import { repairFile } from './repair.ts'

/** What a repairing host keeps of one owner's grant, across restarts. */
export interface StoredGrant {
  /** The capability, its layouts following this host's moves (encodeCapability). */
  readonly capability: Uint8Array
  /** The holders updates not yet replaced by a new grant (encodeUpdates). */
  readonly updates: Uint8Array
}

/** Where grants are kept: files on a Node host (host/grants.ts), memory in tests. */
export interface GrantStore {
  load(): Promise<Map<string, StoredGrant>>
  /** Keeps the owner's grant, or forgets it (undefined). */
  save(owner: string, grant: StoredGrant | undefined): Promise<void>
}

export class MemoryGrantStore implements GrantStore {
  readonly grants = new Map<string, StoredGrant>()
  async load(): Promise<Map<string, StoredGrant>> {
    return new Map(this.grants)
  }
  async save(owner: string, grant: StoredGrant | undefined): Promise<void> {
    if (grant) this.grants.set(owner, grant)
    else this.grants.delete(owner)
  }
}

export interface DelegatedRepairOptions {
  readonly net: PeerNetwork
  readonly store: GrantStore
  /** How long a holder may be unreachable before its shares count as lost (the owner's default is a day). */
  readonly lostAfterMs: number
  /** The lease term asked of new holders. */
  readonly leaseMs?: number
  /** How long a holder has to answer an audit. */
  readonly auditDeadlineMs?: number
  /**
   * How often the owner's leases on its delegated shares are renewed, under the delegation, at
   * their holders (default daily): an owner away longer than a lease keeps its files.
   */
  readonly renewEveryMs?: number
  readonly now?: () => number
  readonly log?: (message: string) => void
}

export interface RoundReport {
  readonly files: number
  /** Shares placed on new hosts in this round. */
  readonly placed: number
  readonly unplaced: number
  /** Files skipped, and why (an ended grant, a repair that could not run). */
  readonly skipped: readonly { readonly owner: string; readonly fileId?: string; readonly reason: string }[]
}

interface Grant {
  cap: RepairCapability
  updates: Map<string, SignedUpdate>
}

export class DelegatedRepairs implements RepairService {
  readonly #grants = new Map<string, Grant>()
  readonly #reputation = new Map<string, HostReputation>()
  /** When each owner's leases were last renewed here. */
  readonly #renewed = new Map<string, number>()
  readonly #now: () => number
  #loaded: Promise<void> | undefined
  #running: Promise<RoundReport> | undefined

  constructor(private readonly options: DelegatedRepairOptions) {
    this.#now = options.now ?? Date.now
  }

  /** Reads the kept grants (once; every method waits for it). */
  load(): Promise<void> {
    this.#loaded ??= (async () => {
      for (const [owner, g] of await this.options.store.load()) {
        try {
          const cap = decodeCapability(g.capability)
          const { updates } = decodeUpdates(g.updates, cap.owner, cap.delegation.delegate)
          this.#grants.set(owner, { cap, updates: new Map(updates.map((u) => [toHex(u.update.fileId), u])) })
        } catch (err) {
          this.options.log?.(`repair: dropped the unreadable grant of ${owner.slice(0, 12)}…: ${(err as Error).message}`)
          await this.options.store.save(owner, undefined)
        }
      }
    })()
    return this.#loaded
  }

  /** Owners with a grant here, and how many files each. */
  async owners(): Promise<Array<{ owner: string; files: number; expires: number }>> {
    await this.load()
    return [...this.#grants].map(([owner, g]) => ({ owner, files: g.cap.files.length, expires: g.cap.delegation.expires }))
  }

  async grant(cap: RepairCapability): Promise<void> {
    await this.load()
    const owner = toHex(cap.owner)
    // A new grant carries the owner's current layouts: the updates it has adopted are done with.
    this.#grants.set(owner, { cap, updates: new Map() })
    await this.#save(owner)
    this.options.log?.(`repair: ${owner.slice(0, 12)}… granted repair of ${cap.files.length} file(s) until ${new Date(cap.delegation.expires).toISOString()}`)
  }

  async revoke(owner: Uint8Array): Promise<boolean> {
    await this.load()
    const hex = toHex(owner)
    const had = this.#grants.delete(hex)
    await this.options.store.save(hex, undefined)
    return had
  }

  async updates(owner: Uint8Array): Promise<Uint8Array> {
    await this.load()
    return encodeUpdates([...(this.#grants.get(toHex(owner))?.updates.values() ?? [])])
  }

  /** One round over every grant (rounds never overlap: a second call waits for the first). */
  round(): Promise<RoundReport> {
    this.#running ??= this.#round().finally(() => (this.#running = undefined))
    return this.#running
  }

  async #round(): Promise<RoundReport> {
    await this.load()
    const { net } = this.options
    let files = 0
    let placed = 0
    let unplaced = 0
    const skipped: Array<{ owner: string; fileId?: string; reason: string }> = []
    for (const [owner, g] of [...this.#grants]) {
      try {
        verifyDelegation(g.cap.owner, g.cap.delegation, this.#now())
      } catch (err) {
        if (!(err instanceof DelegationRefusedError)) throw err
        skipped.push({ owner, reason: err.message })
        continue
      }
      const key: DelegateKey = { owner: g.cap.owner, seed: g.cap.delegateSeed, delegation: g.cap.delegation }
      const signer = delegateStoreSigner(key)
      for (const layout of g.cap.files) {
        files++
        const fileId = toHex(layout.fileId)
        try {
          const audit = await auditFile(net, layout, this.options.auditDeadlineMs ? { deadlineMs: this.options.auditDeadlineMs } : {})
          const now = this.#now()
          this.#learn(layout, audit)
          const checks = shareChecks(layout, audit, (p) => this.#reputation.get(p), now)
          const result = await repairFile(net, signer, layout, {
            policy: { k: layout.k, n: layout.n, repairThreshold: layout.repairThreshold },
            checks,
            now,
            lostAfterMs: this.options.lostAfterMs,
            lease: this.options.leaseMs ?? DEFAULT_LEASE_MS,
            preference: (p) => hostPreference(this.#reputation.get(p)),
          })
          placed += result.placed
          unplaced += result.unplaced
          if (result.moves.size === 0) continue
          const moved = moveLayout(layout, result.moves)
          const cur = this.#grants.get(owner)
          // The owner may have replaced or withdrawn the grant while this file was repaired.
          if (cur !== g) break
          g.cap = { ...g.cap, files: g.cap.files.map((f) => (f === layout ? moved : f)) }
          g.updates.set(fileId, signUpdate(g.cap.delegateSeed, merged(g.cap.owner, layout, g.updates.get(fileId)?.update, result.moves, result.stale, now)))
          await this.#save(owner)
          this.options.log?.(`repair: ${owner.slice(0, 12)}… file ${fileId.slice(0, 8)}…: ${result.placed} share(s) placed on new hosts`)
        } catch (err) {
          skipped.push({ owner, fileId, reason: `${(err as Error).name}: ${(err as Error).message}` })
        }
      }
      if (this.#grants.get(owner) === g && this.#now() - (this.#renewed.get(owner) ?? -Infinity) >= (this.options.renewEveryMs ?? 24 * 3600_000)) {
        await this.#renew(key, g.cap.files)
        this.#renewed.set(owner, this.#now())
      }
    }
    return { files, placed, unplaced, skipped }
  }

  /** Renews the owner's leases at every holder of its delegated shares, signed by the delegate (an unreachable holder is tried next time). */
  async #renew(key: DelegateKey, layouts: readonly FileLayout[]): Promise<void> {
    const byHolder = new Map<string, Uint8Array[]>()
    for (const f of layouts)
      for (const seg of f.segments) for (const sh of seg.shares) for (const h of sh.holders.slice(0, 1)) byHolder.set(h, [...(byHolder.get(h) ?? []), sh.key])
    const lease = this.options.leaseMs ?? DEFAULT_LEASE_MS
    for (const [holder, keys] of byHolder) {
      for (let i = 0; i < keys.length; i += MAX_RENEW_KEYS) {
        const part = keys.slice(i, i + MAX_RENEW_KEYS)
        await this.options.net
          .request(holder, { type: 'renew', keys: part, ...delegateSignRenew(key, part, holder, { lease, now: this.#now() }) }, { timeoutMs: 15_000 })
          .catch(() => undefined)
      }
    }
  }

  #learn(layout: FileLayout, audit: Awaited<ReturnType<typeof auditFile>>): void {
    const now = this.#now()
    for (const [peer, reached] of audit.reached) this.#reputation.set(peer, recordOnline(this.#reputation.get(peer), reached, now))
    for (const seg of layout.segments) {
      for (const sh of seg.shares) {
        const r = audit.results[seg.index]?.[sh.index]
        const peer = sh.holders[0]
        if (peer && r && r.result !== 'offline') this.#reputation.set(peer, recordAudit(this.#reputation.get(peer), r.result === 'pass', now))
      }
    }
  }

  async #save(owner: string): Promise<void> {
    const g = this.#grants.get(owner)
    await this.options.store.save(owner, g && { capability: encodeCapability(g.cap), updates: encodeUpdates([...g.updates.values()]) })
  }
}

function moveLayout(layout: FileLayout, moves: ReadonlyMap<string, string>): FileLayout {
  return {
    ...layout,
    segments: layout.segments.map((seg) => ({
      ...seg,
      shares: seg.shares.map((sh) => {
        const to = moves.get(toHex(sh.key))
        return to ? { ...sh, holders: [to] } : sh
      }),
    })),
  }
}

/** The file's update so far, with this round's moves and stale holders added (a share moved twice keeps its latest holder). */
function merged(
  owner: Uint8Array,
  layout: FileLayout,
  before: HoldersUpdate | undefined,
  moves: ReadonlyMap<string, string>,
  stale: ReadonlyArray<{ readonly peer: string; readonly key: Uint8Array }>,
  now: number,
): HoldersUpdate {
  const byKey = new Map((before?.moves ?? []).map((m) => [toHex(m.key), m]))
  const keys = new Map(layout.segments.flatMap((s) => s.shares.map((sh) => [toHex(sh.key), sh.key] as const)))
  for (const [hex, holder] of moves) byKey.set(hex, { key: keys.get(hex)!, holder })
  const staleAll = [...(before?.stale ?? []), ...stale]
  return {
    owner,
    fileId: layout.fileId,
    base: before?.base ?? layout.revision,
    moves: [...byKey.values()],
    stale: staleAll.filter((s, i) => staleAll.findIndex((x) => x.peer === s.peer && toHex(x.key) === toHex(s.key)) === i),
    time: now,
  }
}
