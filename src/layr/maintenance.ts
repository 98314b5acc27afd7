/**
 * What keeps an owner's files alive while a tab of theirs is open: audit rounds on a schedule
 * (each share once a day, files with an unreachable or failing holder every few hours), the
 * reputation of every host they use, and repair when a segment's counted shares fall below its
 * threshold, or, for a file placed with reduced redundancy (a host holding several shares of a
 * segment), spreading it out once new hosts appear. Check now and Repair now run the same steps on
 * demand. Repair is paced (a bandwidth limit) and waits while the owner's own backups and restores
 * run.
 */
import { toHex } from '../core/bytes.ts'
import { LayrError, type FileManifest, type RedundancyPolicy } from '../core/index.ts'
import { recordAudit, recordOnline, hostPreference, type HostReputation } from '../core/audit/index.ts'
import { fileSpread, fileVerdict, survivableLosses, type ShareCheck } from '../core/repair/index.ts'
import type { Vault } from '../core/vault/index.ts'
import type { ManifestRepository } from '../manifests/repository.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { applyRepair, auditFile, deleteSigned, repairFile, shareChecks, type FileAudit, type RepairProgress } from '../transfer/index.ts'
import type { FileAuditProgress } from '../transfer/audit.ts'
import type { FileHealth, HealthFinding, MaintenanceEvent, RepairReport } from './api.ts'
import type { Kept } from './parts.ts'

export interface MaintenanceTiming {
  /** How often the loop looks for files due (± a quarter). */
  readonly tickMs: number
  /** A file whose shares all passed is audited again after this long. */
  readonly auditEveryMs: number
  /** A file with an unreachable or failing holder is audited again after this long (Storj re-asks a contained node 6 h apart). */
  readonly retryMs: number
  /** Bytes per second repair may move (fetches and stores together). */
  readonly repairBytesPerSecond: number
  /** Files checked per turn of the loop at most. */
  readonly filesPerTick: number
}

export const DEFAULT_TIMING: MaintenanceTiming = {
  tickMs: 60_000,
  auditEveryMs: 24 * 3600_000,
  retryMs: 6 * 3600_000,
  repairBytesPerSecond: 4 * 1024 * 1024,
  filesPerTick: 4,
}

export interface MaintenanceDeps {
  readonly vault: () => Vault
  readonly manifests: () => ManifestRepository
  readonly net: () => Promise<PeerNetwork>
  readonly health: Kept<Map<string, FileHealth>>
  readonly reputation: Kept<Map<string, HostReputation>>
  /** The wait before an unreachable host's shares count as lost (the user's setting). */
  readonly lostAfterMs: () => number
  /** The owner's lease term, for the shares repair places (default DEFAULT_LEASE_MS). */
  readonly leaseMs?: () => number
  /** Resolves when none of the owner's own backups or restores is running. */
  readonly idle: () => Promise<void>
  readonly now?: () => number
  readonly timing?: Partial<MaintenanceTiming>
  /** Told after each audit round which hosts passed every share they were asked for (pay per audit). */
  readonly audited?: (fileId: string, passed: ReadonlySet<string>) => Promise<void>
}

/** Repair was asked for while it is already running for that file. */
export class RepairBusyError extends LayrError {
  override readonly name = 'RepairBusyError'
}

export class Maintenance {
  readonly timing: MaintenanceTiming
  readonly #health: Map<string, FileHealth>
  readonly #reputation: Map<string, HostReputation>
  readonly #listeners = new Set<(e: MaintenanceEvent) => void>()
  readonly #running = new Map<string, 'check' | 'repair'>()
  readonly #now: () => number
  /** When the bandwidth limit next lets bytes through. */
  #nextFree = 0

  constructor(private readonly deps: MaintenanceDeps) {
    this.timing = { ...DEFAULT_TIMING, ...deps.timing }
    this.#health = deps.health.load()
    this.#reputation = deps.reputation.load()
    this.#now = deps.now ?? Date.now
  }

  health(fileId: string): FileHealth | undefined {
    return this.#health.get(fileId)
  }

  reputations(): ReadonlyMap<string, HostReputation> {
    return this.#reputation
  }

  /** 0 (never: disqualified) to 1: how much placement wants `peer`. */
  preference = (peer: string): number => hostPreference(this.#reputation.get(peer))

  /** What runs now, per file. */
  get active(): ReadonlyMap<string, 'check' | 'repair'> {
    return this.#running
  }

  subscribe(listener: (e: MaintenanceEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  forget(fileId: string): void {
    this.#health.delete(fileId)
    this.deps.health.save(this.#health)
  }

  clear(): void {
    this.#health.clear()
    this.deps.health.save(this.#health)
  }

  /** One turn of the background loop: the files that are due, the longest unchecked first. */
  async tick(): Promise<void> {
    const now = this.#now()
    const due = (await this.deps.manifests().live())
      .map((m) => ({ m, h: this.#health.get(toHex(m.fileId)) }))
      .filter(({ h }) => !h || now - h.checkedAt >= (h.failed + h.offline > 0 || h.repair?.error ? this.timing.retryMs : this.timing.auditEveryMs))
      .sort((a, b) => (a.h?.checkedAt ?? 0) - (b.h?.checkedAt ?? 0))
      .slice(0, this.timing.filesPerTick)
    for (const { m } of due) {
      const id = toHex(m.fileId)
      if (this.#running.has(id)) continue
      await this.#exclusive(id, 'check', async () => {
        const { health, checks } = await this.#round(m, {})
        // A file below its threshold is repaired (and spread out in the same pass); one that is only
        // placed with reduced redundancy is spread out quietly: without new hosts nothing happens.
        const repair = health.needsRepair && health.repairable
        if (!repair && (health.needsRepair || !fileSpread(m, checks).some((s) => s.length > 0))) return
        this.#running.set(id, 'repair')
        await this.#repairWith(m, checks, { force: false, quiet: !repair })
      }).catch(() => {
        // kept in the file's health (repair.error), and tried again at a later turn
      })
    }
  }

  /** Audits every share of the file now ("Check now"): the file's health, verified. */
  async check(fileId: string, options: { onProgress?: (e: FileAuditProgress) => void; signal?: AbortSignal } = {}): Promise<FileHealth> {
    const m = await this.deps.manifests().get(fileId)
    return this.#exclusive(fileId, 'check', async () => (await this.#round(m, options)).health)
  }

  /**
   * Audits, then rebuilds what is lost ("Repair now" rebuilds every lost share; the loop only
   * segments below the threshold), writes the new revision and asks failed holders to delete.
   */
  async repair(fileId: string, options: { force?: boolean; onProgress?: (e: RepairProgress) => void; signal?: AbortSignal } = {}): Promise<RepairReport> {
    const m = await this.deps.manifests().get(fileId)
    return this.#exclusive(fileId, 'repair', async () => {
      const { checks } = await this.#round(m, options.signal ? { signal: options.signal } : {})
      return this.#repairWith(m, checks, options)
    })
  }

  /**
   * `quiet`: the loop spreading out a reduced file, which is no repair the owner needs to see
   * unless a share moves: until then no repair events, and when nothing moved (no new host) the
   * file's health keeps the last repair as it was.
   */
  async #repairWith(
    m: FileManifest,
    checks: ShareCheck[][],
    options: { force?: boolean; quiet?: boolean; onProgress?: (e: RepairProgress) => void; signal?: AbortSignal },
  ): Promise<RepairReport> {
    const fileId = toHex(m.fileId)
    const net = await this.deps.net()
    const vault = this.deps.vault()
    let started = false
    const start = (): void => {
      if (!started) this.#emit({ type: 'repair:start', fileId })
      started = true
    }
    if (!options.quiet) start()
    try {
      const result = await repairFile(net, vault, m, {
        policy: policyOf(m),
        checks,
        now: this.#now(),
        // "Repair now" does not wait for hosts that are away: the owner asked for the file to be whole now.
        lostAfterMs: options.force === false ? this.deps.lostAfterMs() : 0,
        ...(this.deps.leaseMs ? { lease: this.deps.leaseMs() } : {}),
        force: options.force ?? true,
        preference: this.preference,
        throttle: (bytes, signal) => this.#pace(bytes, signal),
        onProgress: (e) => {
          options.onProgress?.(e)
          if (e.type !== 'repair:share') return
          start()
          this.#emit({ type: 'repair:progress', fileId, done: e.done, total: e.total })
        },
        ...(options.signal ? { signal: options.signal } : {}),
      })
      const kept = this.#health.get(fileId)
      if (options.quiet && result.moves.size === 0 && kept) return { placed: 0, unplaced: result.unplaced, spread: 0, unspread: result.unspread, health: kept }
      start()
      let next = m
      if (result.moves.size > 0) {
        await this.deps.manifests().revise(fileId, (cur) => applyRepair(cur, result.moves), net)
        next = await this.deps.manifests().get(fileId)
        // Only now that the new revision is kept may the failed holders drop theirs.
        await deleteSigned(net, vault, result.stale)
      }
      // Moved shares were rebuilt, checked against their roots and stored just now: verified.
      const after = next.segments.map((seg) =>
        seg.shares.map((sh): ShareCheck =>
          result.moves.has(toHex(sh.key)) ? { state: 'verified' } : (checks[seg.index]?.[sh.index] ?? { state: 'failed', reason: 'missing' }),
        ),
      )
      const now = this.#now()
      const before = this.#health.get(fileId)
      const health: FileHealth = {
        ...healthOf(next, after, Math.max(before?.answered ?? 0, minVerified(after)), now, this.deps.lostAfterMs(), []),
        repair: { at: now, placed: result.placed, unplaced: result.unplaced, spread: result.spread, unspread: result.unspread },
      }
      this.#set(fileId, health)
      this.#emit({ type: 'repair:done', fileId, placed: result.placed, unplaced: result.unplaced, health })
      return { placed: result.placed, unplaced: result.unplaced, spread: result.spread, unspread: result.unspread, health }
    } catch (err) {
      const error = { name: (err as Error).name, message: (err as Error).message }
      const before = this.#health.get(fileId)
      const h = before && { ...before, repair: { at: this.#now(), placed: 0, unplaced: 0, error } }
      if (h) this.#set(fileId, h)
      this.#emit({ type: 'repair:failed', fileId, error, health: h })
      throw err
    }
  }

  async #round(
    m: FileManifest,
    options: { onProgress?: (e: FileAuditProgress) => void; signal?: AbortSignal },
  ): Promise<{ health: FileHealth; checks: ShareCheck[][] }> {
    const fileId = toHex(m.fileId)
    this.#emit({ type: 'check:start', fileId })
    const net = await this.deps.net()
    const audit = await auditFile(net, m, {
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (e) => {
        options.onProgress?.(e)
        this.#emit({ type: 'check:progress', fileId, done: e.done, total: e.total })
      },
    })
    const now = this.#now()
    this.#learn(m, audit, now)
    if (this.deps.audited) await this.deps.audited(fileId, passedHosts(m, audit)).catch(() => {})
    const checks = shareChecks(m, audit, (p) => this.#reputation.get(p), now)
    const answered = audit.results.map((seg) => seg.filter((r) => r && r.result !== 'offline').length)
    const before = this.#health.get(fileId)
    const health: FileHealth = {
      ...healthOf(m, checks, answered.length ? Math.min(...answered) : 0, now, this.deps.lostAfterMs(), findingsOf(m, audit, checks)),
      ...(before?.repair ? { repair: before.repair } : {}),
    }
    this.#set(fileId, health)
    this.#emit({ type: 'check:done', fileId, health })
    return { health, checks }
  }

  /** Reputation: once per host for being reached, once per share for its audit. */
  #learn(m: FileManifest, audit: FileAudit, now: number): void {
    for (const [peer, reached] of audit.reached) this.#reputation.set(peer, recordOnline(this.#reputation.get(peer), reached, now))
    m.segments.forEach((seg) =>
      seg.shares.forEach((sh) => {
        const r = audit.results[seg.index]?.[sh.index]
        const peer = sh.holders[0]
        if (!peer || !r || r.result === 'offline') return
        this.#reputation.set(peer, recordAudit(this.#reputation.get(peer), r.result === 'pass', now))
      }),
    )
    this.deps.reputation.save(this.#reputation)
  }

  #set(fileId: string, h: FileHealth): void {
    this.#health.set(fileId, h)
    this.deps.health.save(this.#health)
  }

  #emit(e: MaintenanceEvent): void {
    for (const l of this.#listeners) l(e)
  }

  async #exclusive<T>(fileId: string, kind: 'check' | 'repair', fn: () => Promise<T>): Promise<T> {
    const busy = this.#running.get(fileId)
    if (busy)
      throw new RepairBusyError(
        busy === 'repair' ? 'This file is being repaired already; wait for that to finish.' : 'This file is being checked already; wait for that to finish.',
      )
    this.#running.set(fileId, kind)
    try {
      return await fn()
    } finally {
      this.#running.delete(fileId)
    }
  }

  /** The bandwidth limit, after the owner's own transfers. */
  async #pace(bytes: number, signal?: AbortSignal): Promise<void> {
    await this.deps.idle()
    const now = Date.now()
    const start = Math.max(now, this.#nextFree)
    this.#nextFree = start + (bytes / this.timing.repairBytesPerSecond) * 1000
    if (start > now) await sleep(start - now, signal)
  }
}

function policyOf(m: FileManifest): RedundancyPolicy {
  return { k: m.codec.k, n: m.codec.n, repairThreshold: m.codec.repairThreshold }
}

/** The file's health from one round's checks: the weakest segment's figures, and how many hosts it survives losing. */
function healthOf(
  m: FileManifest,
  checks: readonly (readonly ShareCheck[])[],
  answered: number,
  now: number,
  lostAfterMs: number,
  findings: readonly HealthFinding[],
): FileHealth {
  const verdict = fileVerdict(checks, policyOf(m), now, lostAfterMs)
  const flat = checks.flat()
  const hostsIn = (state: ShareCheck['state']): number =>
    new Set(m.segments.flatMap((seg) => seg.shares.filter((sh) => checks[seg.index]?.[sh.index]?.state === state).map((sh) => sh.holders[0] ?? ''))).size
  const verifiedHolders = m.segments.map((seg) => seg.shares.filter((sh) => checks[seg.index]?.[sh.index]?.state === 'verified').map((sh) => sh.holders[0]!))
  return {
    k: m.codec.k,
    n: m.codec.n,
    r: m.codec.repairThreshold,
    verified: verdict.verified,
    counted: verdict.counted,
    answered,
    survives: verifiedHolders.length ? Math.min(...verifiedHolders.map((h) => survivableLosses(h, m.codec.k))) : -1,
    failed: flat.filter((c) => c.state === 'failed').length,
    offline: flat.filter((c) => c.state === 'offline').length,
    failedHosts: hostsIn('failed'),
    awayHosts: hostsIn('offline'),
    shares: flat.length,
    findings,
    needsRepair: verdict.needsRepair,
    repairable: verdict.repairable,
    checkedAt: now,
  }
}

/** The weakest segment's verified shares. */
function minVerified(checks: readonly (readonly ShareCheck[])[]): number {
  return checks.length ? Math.min(...checks.map((seg) => seg.filter((c) => c.state === 'verified').length)) : 0
}

/** Findings kept per file at most. */
const MAX_FINDINGS = 12

/** What went wrong with which share in a round, the first few. */
function findingsOf(m: FileManifest, audit: FileAudit, checks: readonly (readonly ShareCheck[])[]): HealthFinding[] {
  const out: HealthFinding[] = []
  for (const seg of m.segments) {
    for (const sh of seg.shares) {
      if (out.length >= MAX_FINDINGS) return out
      const c = checks[seg.index]?.[sh.index]
      const r = audit.results[seg.index]?.[sh.index]
      if (!c || c.state === 'verified') continue
      const outcome = c.state === 'offline' ? 'offline' : c.reason
      const detail = r && r.result !== 'pass' ? r.detail : outcome === 'disqualified' ? 'The host is disqualified: it failed its audits.' : 'No holder.'
      out.push({ segment: seg.index, share: sh.index, peer: sh.holders[0] ?? '', outcome, detail: detail.slice(0, 300) })
    }
  }
  return out
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true })
  })
}

/** Hosts that passed every share of the file they were audited on (and at least one). */
function passedHosts(m: FileManifest, audit: FileAudit): Set<string> {
  const passed = new Set<string>()
  const failed = new Set<string>()
  for (const seg of m.segments) {
    for (const sh of seg.shares) {
      const r = audit.results[seg.index]?.[sh.index]
      const peer = sh.holders[0]
      if (!peer || !r || r.result === 'offline') continue
      ;(r.result === 'pass' ? passed : failed).add(peer)
    }
  }
  for (const p of failed) passed.delete(p)
  return passed
}
