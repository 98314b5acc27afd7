/**
 * Repair while this tab is closed, the owner's side: grant a host (a Node host the owner runs or
 * trusts) a repair capability for every file (core/repair/capability.ts), withdraw it, and, on
 * every sync, pick up what that host repaired.
 *
 * Handing it over: the capability goes to the host over the share protocol (`delegate`, FORMAT
 * §17), signed by the owner for that host, rather than as text pasted into `npm run host`: the
 * grant is renewed with fresh layouts on every sync (new files, new holders, a later expiry),
 * which a pasted text could not be; and it never sits in a terminal's history or a shell file.
 *
 * Picking up: the tab asks its host for the holders updates it signed (`repairs`), keeps those
 * that verify under the delegate key this tab made, that name files of this vault in the grant's
 * scope and shares of those files; audits every new holder itself (a holder that does not prove
 * the share is not adopted); saves the adopted moves as the next manifest revision, signed by the
 * owner; asks the stale holders it was told of to delete (only those the share moved away from);
 * and grants again with the new layouts (the same delegate key), which clears the host's updates.
 */
import { equal, fromHex, toHex } from '../core/bytes.ts'
import { LayrError } from '../core/errors.ts'
import {
  decodeCapability,
  DEFAULT_DELEGATION_MS,
  encodeCapability,
  inScope,
  makeCapability,
  signDelegation,
  withFiles,
  type Delegation,
  type DelegationScope,
  type RepairCapability,
} from '../core/repair/capability.ts'
import { decodeUpdates } from '../core/repair/holders-update.ts'
import type { Vault } from '../core/vault/index.ts'
import type { ManifestRepository } from '../manifests/repository.ts'
import { signDelegate, signReadRepairs, signUndelegate } from '../net/share/auth.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { auditShare } from '../transfer/audit.ts'
import { deleteSigned } from '../transfer/remove.ts'
import { applyRepair } from '../transfer/repair.ts'
import type { Kept } from './parts.ts'

/** The host refused the grant, or could not be reached: nothing was granted. */
export class DelegationError extends LayrError {
  override readonly name = 'DelegationError'
}

/** What this device keeps of its grant: the host, and the delegate key it made (to sign later grants and check updates). */
export interface StoredDelegation {
  readonly peer: string
  /** The capability as last sent (hex of encodeCapability): the delegate's key, the delegation, the scope. */
  readonly capability: string
  readonly grantedAt: number
  /** The last pickup: when, and what it adopted or refused. */
  readonly lastSync?: { readonly at: number; readonly adopted: number; readonly refused: number; readonly error?: string }
}

export interface DelegationStatus {
  readonly peer: string
  readonly expires: number
  readonly files: number
  readonly grantedAt: number
  readonly lastSync?: StoredDelegation['lastSync']
}

export interface PickupReport {
  /** Shares whose new holder passed this tab's audit and is in the new revision. */
  readonly adopted: number
  /** Moves refused: outside the grant, of unknown shares, or a holder that did not prove the share. */
  readonly refused: number
  /** Files that got a new revision. */
  readonly files: number
}

export interface DelegationDeps {
  readonly vault: () => Vault
  readonly manifests: () => ManifestRepository
  readonly net: () => Promise<PeerNetwork>
  readonly kept: Kept<StoredDelegation | undefined>
  readonly now?: () => number
  /** The grant's term (default DEFAULT_DELEGATION_MS); renewed on every sync. */
  readonly termMs?: number
}

/** What the app sees of repair while its tab is closed (Layr.delegation). */
export interface DelegationApi {
  /** The grant in force on this device for this vault, or undefined. */
  status(): DelegationStatus | undefined
  /** Grants the host `peer` repair of every file (DelegationError when it refuses or cannot be reached). */
  grant(peer: string): Promise<DelegationStatus>
  /** Withdraws the grant. */
  revoke(): Promise<void>
  /** Picks up the host's repairs and renews the grant; undefined without a grant. */
  sync(): Promise<PickupReport | undefined>
}

export class RepairDelegation implements DelegationApi {
  readonly #now: () => number
  #busy: Promise<unknown> = Promise.resolve()

  constructor(private readonly deps: DelegationDeps) {
    this.#now = deps.now ?? Date.now
  }

  status(): DelegationStatus | undefined {
    const s = this.deps.kept.load()
    const cap = s && this.#capability(s)
    if (!s || !cap) return undefined
    return { peer: s.peer, expires: cap.delegation.expires, files: cap.files.length, grantedAt: s.grantedAt, ...(s.lastSync ? { lastSync: s.lastSync } : {}) }
  }

  /** Grants `peer` repair of every file (a fresh delegate key), replacing any earlier grant here. */
  grant(peer: string, scope: DelegationScope = 'all'): Promise<DelegationStatus> {
    return this.#serial(async () => {
      const peerId = peer.trim()
      if (!/^[1-9A-HJ-NP-Za-km-z]{40,80}$/.test(peerId))
        throw new DelegationError('That is not a peer id: copy it from the host’s log ("Layr host 12D3Koo… is running").')
      const earlier = this.deps.kept.load()
      if (earlier && earlier.peer !== peerId) await this.#undelegate(earlier.peer).catch(() => undefined)
      const vault = this.deps.vault()
      const cap = makeCapability(vault, await this.deps.manifests().live(), scope, this.#now() + (this.deps.termMs ?? DEFAULT_DELEGATION_MS))
      await this.#send(peerId, cap)
      this.deps.kept.save({ peer: peerId, capability: toHex(encodeCapability(cap)), grantedAt: this.#now() })
      return this.status()!
    })
  }

  /** Withdraws the grant: the host is asked to forget it; this device forgets it either way. */
  revoke(): Promise<void> {
    return this.#serial(async () => {
      const s = this.deps.kept.load()
      if (!s) return
      this.deps.kept.save(undefined)
      await this.#undelegate(s.peer)
    })
  }

  /** Picks up the host's repairs and grants again with the new layouts (on every sync). */
  sync(): Promise<PickupReport | undefined> {
    return this.#serial(async () => {
      const s = this.deps.kept.load()
      const cap = s && this.#capability(s)
      if (!s || !cap) return undefined
      try {
        const report = await this.#pickUp(s.peer, cap)
        // The same delegate key over today's layouts, for another term.
        const manifests = await this.deps.manifests().live()
        const vault = this.deps.vault()
        const renewed = makeRenewed(vault, cap, manifests, this.#now() + (this.deps.termMs ?? DEFAULT_DELEGATION_MS))
        await this.#send(s.peer, renewed)
        this.deps.kept.save({
          ...s,
          capability: toHex(encodeCapability(renewed)),
          lastSync: { at: this.#now(), adopted: report.adopted, refused: report.refused },
        })
        return report
      } catch (err) {
        this.deps.kept.save({ ...s, lastSync: { at: this.#now(), adopted: 0, refused: 0, error: (err as Error).message.slice(0, 300) } })
        throw err
      }
    })
  }

  async #pickUp(peer: string, cap: RepairCapability): Promise<PickupReport> {
    const net = await this.deps.net()
    const vault = this.deps.vault()
    const res = await net.request(peer, { type: 'repairs', ...signReadRepairs(vault, peer, this.#now()) }, { timeoutMs: 30_000 })
    if (res.status !== 'ok') throw new DelegationError(`The repair host answered ${res.status}: ${res.message}`)
    const { updates, rejected } = decodeUpdates(res.bytes ?? new Uint8Array(0), vault.ownerPublicKey, cap.delegation.delegate)
    let adopted = 0
    let refused = rejected
    let files = 0
    const repo = this.deps.manifests()
    for (const { update } of updates) {
      const fileId = toHex(update.fileId)
      if (!inScope(cap.scope, update.fileId)) {
        refused += update.moves.length
        continue
      }
      const m = await repo.get(fileId).catch(() => undefined)
      if (!m) continue // removed since: nothing to adopt
      const entries = new Map(m.segments.flatMap((seg) => seg.shares.map((sh) => [toHex(sh.key), { sh, size: seg.shareSize }] as const)))
      const moves = new Map<string, string>()
      for (const mv of update.moves) {
        const hex = toHex(mv.key)
        const e = entries.get(hex)
        if (!e) {
          refused++
          continue
        }
        if (e.sh.holders[0] === mv.holder) continue // adopted before
        // Trust, then verify: the new holder must prove it holds the share, to this tab.
        const audit = await auditShare(net, mv.holder, { key: e.sh.key, root: e.sh.root, size: e.size })
        if (audit.result !== 'pass') {
          refused++
          continue
        }
        moves.set(hex, mv.holder)
      }
      if (moves.size === 0) continue
      await repo.revise(fileId, (cur) => applyRepair(cur, moves), net)
      adopted += moves.size
      files++
      // Old holders the shares moved away from, and only those, may drop theirs now.
      const stale = update.stale.filter((x) => moves.has(toHex(x.key)) && moves.get(toHex(x.key)) !== x.peer)
      if (stale.length > 0) await deleteSigned(net, vault, stale).catch(() => undefined)
    }
    return { adopted, refused, files }
  }

  async #send(peer: string, cap: RepairCapability): Promise<void> {
    const net = await this.deps.net()
    const bytes = encodeCapability(cap)
    let res
    try {
      res = await net.request(
        peer,
        { type: 'delegate', ...signDelegate(this.deps.vault(), bytes, peer, this.#now()), capability: bytes },
        { timeoutMs: 60_000 },
      )
    } catch (err) {
      throw new DelegationError(`Could not reach the host ${peer.slice(0, 16)}… to grant it repair (${(err as Error).message}). Is it running and connected?`)
    }
    if (res.status === 'not-found') throw new DelegationError('That peer does not repair files for others: only a Node host (npm run host) does.')
    if (res.status !== 'ok') throw new DelegationError(`The host refused the grant (${res.status}: ${res.message}).`)
  }

  async #undelegate(peer: string): Promise<void> {
    const net = await this.deps.net()
    const res = await net.request(peer, { type: 'undelegate', ...signUndelegate(this.deps.vault(), peer, this.#now()) }, { timeoutMs: 30_000 })
    if (res.status !== 'ok') throw new DelegationError(`The host did not withdraw the grant (${res.status}: ${res.message}).`)
  }

  /** The kept grant's capability, if it is this vault's (another vault's grant on this device is not ours to use). */
  #capability(s: StoredDelegation): RepairCapability | undefined {
    try {
      const cap = decodeStored(s.capability)
      return equal(cap.owner, this.deps.vault().ownerPublicKey) ? cap : undefined
    } catch {
      return undefined
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(fn, fn)
    this.#busy = run.catch(() => undefined)
    return run
  }
}

/** The kept capability, checked as any capability is (the delegation's signature, the limits). */
function decodeStored(hex: string): RepairCapability {
  return decodeCapability(fromHex(hex))
}

/** The grant's delegate key, signed again for a new term, over `manifests`. */
function makeRenewed(vault: Vault, cap: RepairCapability, manifests: Parameters<typeof withFiles>[1], expires: number): RepairCapability {
  const delegation: Delegation = signDelegation(vault, cap.delegation.delegate, cap.scope, expires)
  if (!equal(delegation.delegate, cap.delegation.delegate)) throw new DelegationError('The delegate key changed.')
  return withFiles({ ...cap, delegation }, manifests)
}
