/**
 * A file's health in words (the Files view), named as Tahoe-LAFS names it: *checked* means its
 * holders answered, *verified* that they passed an audit (proved they keep the bytes). Only a
 * verified file with a host to spare is shown as good; nothing here ever says "Healthy" on a mere
 * answer. Also the last repair's outcome, what runs now (checks and repairs, whoever started them),
 * and the audit's detection figures. Pure, so it runs under Vitest.
 */
import type { AuditFigures, FileEntry, FileHealth, HealthFinding, MaintenanceEvent } from '../layr/api.ts'
import { formatAgo, formatDuration, plural } from '../ui/format.ts'

export type HealthLevel = 'unknown' | 'good' | 'risk' | 'lost'

export type SurvivalTone = 'ok' | 'warn' | 'danger'

/** What a file survives, said plainly: "Survives losing any 2 hosts". */
export interface SurvivalWords {
  readonly tone: SurvivalTone
  readonly text: string
  /** From the last check's verified shares (true), or only from where the shares were placed. */
  readonly verified: boolean
  /** Hosts it can lose, whichever they are (-1: it cannot be restored). */
  readonly hosts: number
}

export interface HealthWords {
  readonly level: HealthLevel
  /** "3 of 3 verified · last check 5 min ago" (the weakest part's figure, out of n, named as a part's when there are several). */
  readonly line: string
  /** What it survives: from the last check once there is one, else from its placement. */
  readonly survival: SurvivalWords
  /** Hosts away or failing, briefly: "2 hosts away · 1 host failed its audit". */
  readonly hosts: string | undefined
  /** Whether "Repair now" has something to do: shares not verified, a failed audit, a repair that failed, or shares doubled up on a host. */
  readonly canRepair: boolean
}

/** How many distinct hosts hold the shares that were away or failed in the last check, where known. */
export interface HostCounts {
  readonly away?: number | undefined
  readonly failed?: number | undefined
}

type FileFacts = Pick<FileEntry, 'k' | 'n' | 'segments' | 'hosts' | 'health' | 'placedSurvives'>

/** The words of a file that survives no host loss because it sits on too few hosts. */
export const TOO_FEW_HOSTS = 'Survives no host loss: open Layr on more devices or wait for more hosts'

export function describeHealth(file: FileFacts, now: number, counts: HostCounts = {}): HealthWords {
  const h = file.health
  const survival = describeSurvival(file)
  if (!h) {
    return {
      level: 'unknown',
      line: `Not verified yet · on ${plural(file.hosts.length, 'host')}; its first check runs soon`,
      survival,
      hosts: undefined,
      canRepair: false,
    }
  }
  const parts = file.segments > 1 ? (h.verified >= h.n ? ` in each of its ${file.segments} parts` : ' in its weakest part') : ''
  const line = `${h.verified} of ${h.n} verified${parts} · last check ${formatAgo(h.checkedAt, now)}`
  const level: HealthLevel = h.survives < 0 ? 'lost' : h.verified >= h.n && h.survives >= 1 && h.failed === 0 ? 'good' : 'risk'
  return {
    level,
    line,
    survival,
    hosts: describeHosts(h, counts),
    // A placement doubled up on too few hosts survives fewer losses than its n shares could: Repair
    // now spreads it out when new hosts are there (and says so when none is).
    canRepair: h.verified < h.n || h.failed > 0 || h.needsRepair || h.repair?.error !== undefined || h.survives < h.n - h.k,
  }
}

/**
 * What the file survives, in a person's words: from the last check's verified shares once it was
 * checked, else from where its shares were placed (FileEntry.placedSurvives, the weakest part,
 * a host holding several shares counting once). Green only when it survives losing a host.
 */
export function describeSurvival(file: Pick<FileEntry, 'n' | 'hosts' | 'health' | 'placedSurvives'>): SurvivalWords {
  const h = file.health
  if (h) {
    const verified = true
    if (h.survives < 0) {
      return {
        tone: 'danger',
        verified,
        hosts: -1,
        text: h.offline > 0 ? 'Cannot be restored right now: too many of its hosts are away' : 'Cannot be restored right now',
      }
    }
    if (h.survives === 0) {
      return { tone: 'warn', verified, hosts: 0, text: file.hosts.length < h.n ? TOO_FEW_HOSTS : 'Survives no host loss until it is repaired' }
    }
    return { tone: 'ok', verified, hosts: h.survives, text: survivesLosing(h.survives) }
  }
  const s = file.placedSurvives
  if (s < 0) return { tone: 'danger', verified: false, hosts: -1, text: 'Cannot be restored: too few of its shares were placed' }
  if (s === 0) return { tone: 'warn', verified: false, hosts: 0, text: TOO_FEW_HOSTS }
  return { tone: 'ok', verified: false, hosts: s, text: survivesLosing(s) }
}

function survivesLosing(hosts: number): string {
  return `Survives losing any ${plural(hosts, 'host')}`
}

function describeHosts(h: FileHealth, counts: HostCounts): string | undefined {
  const words: string[] = []
  if (h.offline > 0) {
    words.push(counts.away !== undefined && counts.away > 0 ? `${plural(counts.away, 'host')} away` : `${plural(h.offline, 'share')} on hosts that are away`)
  }
  if (h.failed > 0) {
    const failed = counts.failed !== undefined && counts.failed > 0 ? { n: counts.failed, what: 'host' } : { n: h.failed, what: 'share' }
    words.push(`${plural(failed.n, failed.what)} failed ${failed.n === 1 ? 'its audit' : 'their audits'}`)
  }
  return words.length > 0 ? words.join(' · ') : undefined
}

/** Distinct hosts behind the away and failed shares of the last round. */
export function hostCounts(file: FileFacts): HostCounts {
  const h = file.health
  return h ? { away: h.awayHosts, failed: h.failedHosts } : {}
}

/** A finding of the last check, in words. */
export const FINDING: Record<HealthFinding['outcome'], string> = {
  wrong: 'its answer did not prove the share',
  missing: 'it no longer has the share',
  late: 'it did not prove the share in time',
  disqualified: 'the host is disqualified',
  offline: 'the host could not be reached',
}

export type OutcomeTone = 'ok' | 'warn' | 'danger' | 'muted'

export interface RepairOutcome {
  readonly tone: OutcomeTone
  /** "Repaired 5 min ago: 2 shares rebuilt on new hosts." */
  readonly text: string
  /** The technical reason, for those who open the details. */
  readonly detail?: string
}

/** The last repair (FileHealth.repair) in words. */
export function describeRepair(h: FileHealth, now: number): RepairOutcome | undefined {
  const r = h.repair
  if (!r) return undefined
  const ago = formatAgo(r.at, now)
  if (r.error) {
    const detail = `${r.error.name}: ${r.error.message}`
    switch (r.error.name) {
      case 'RepairImpossibleError':
        return {
          tone: 'danger',
          text: `Could not repair (${ago}): too few of its shares could be verified to rebuild the others. Nothing was changed; try again when more of its hosts are online.`,
          detail,
        }
      case 'RepairBusyError':
        return { tone: 'muted', text: `A repair was already running (${ago}).`, detail }
      case 'CancelledError':
      case 'AbortError':
        return { tone: 'muted', text: `Repair stopped (${ago}); nothing was changed.`, detail }
      default:
        return { tone: 'warn', text: `Repair did not finish (${ago}); nothing was changed. Layr tries again later.`, detail }
    }
  }
  const spread = r.spread ?? 0
  const rebuilt = r.placed - spread
  const unspread = r.unspread ?? 0
  // Shares moved off a host that held several of a part (a reduced placement spread out), not rebuilt.
  const moved = [rebuilt > 0 ? `${plural(rebuilt, 'share')} rebuilt on new hosts` : '', spread > 0 ? `${plural(spread, 'share')} moved to new hosts` : '']
    .filter(Boolean)
    .join(' and ')
  const waiting =
    unspread > 0
      ? ` ${plural(unspread, 'share')} still ${unspread === 1 ? 'shares a host' : 'share hosts'} with others of ${unspread === 1 ? 'its' : 'their'} part, until more hosts are online.`
      : ''
  if (r.placed > 0 && r.unplaced === 0) return { tone: unspread > 0 ? 'warn' : 'ok', text: `Repaired ${ago}: ${moved}.${waiting}` }
  if (r.placed > 0) {
    return {
      tone: 'warn',
      text: `Repaired in part ${ago}: ${moved}; ${plural(r.unplaced, 'share')} found no new host and ${r.unplaced === 1 ? 'stays' : 'stay'} where ${r.unplaced === 1 ? 'it was' : 'they were'}.`,
    }
  }
  if (r.unplaced > 0) {
    return {
      tone: 'warn',
      text: `Could not repair (${ago}): no new host could take ${plural(r.unplaced, 'share')}; ${r.unplaced === 1 ? 'it stays where it was' : 'they stay where they were'}. Layr tries again when more hosts are online.`,
    }
  }
  if (unspread > 0) {
    return {
      tone: 'warn',
      text: `No new host was free (${ago}): ${plural(unspread, 'share')} still ${unspread === 1 ? 'shares a host' : 'share hosts'} with others of ${unspread === 1 ? 'its' : 'their'} part. Layr spreads ${unspread === 1 ? 'it' : 'them'} out when more hosts are online.`,
    }
  }
  return { tone: 'muted', text: `Nothing needed rebuilding (${ago}).` }
}

/** A check or repair running now, as its progress row shows it. */
export interface Activity {
  readonly kind: 'check' | 'repair'
  /** Shares audited (check) or placed on new hosts (repair), of `total`; total 0 until known. */
  readonly done: number
  readonly total: number
}

/**
 * What runs per file, from the facade's maintenance events (the background loop's and the ones
 * started here alike). A repair audits first: those events come as a check, then the repair's.
 */
export class ActivityTracker {
  readonly #running = new Map<string, Activity>()

  /** Seeds from what the facade says runs now (when the view opens mid-run). */
  constructor(active: ReadonlyMap<string, 'check' | 'repair'> = new Map()) {
    for (const [id, kind] of active) this.#running.set(id, { kind, done: 0, total: 0 })
  }

  apply(e: MaintenanceEvent): void {
    switch (e.type) {
      case 'check:start':
        this.#running.set(e.fileId, { kind: 'check', done: 0, total: 0 })
        break
      case 'check:progress':
        this.#running.set(e.fileId, { kind: 'check', done: e.done, total: e.total })
        break
      case 'repair:start':
        this.#running.set(e.fileId, { kind: 'repair', done: 0, total: 0 })
        break
      case 'repair:progress':
        this.#running.set(e.fileId, { kind: 'repair', done: e.done, total: e.total })
        break
      case 'check:done':
      case 'repair:done':
      case 'repair:failed':
        this.#running.delete(e.fileId)
        break
    }
  }

  get(fileId: string): Activity | undefined {
    return this.#running.get(fileId)
  }

  views(): ReadonlyMap<string, Activity> {
    return new Map(this.#running)
  }
}

export interface ActivityWords {
  readonly text: string
  /** 0…1, or undefined while the total is not known (an indeterminate bar). */
  readonly fraction: number | undefined
  readonly repairing: boolean
}

/**
 * The words and bar of a running check or repair. `repairAsked`: the person pressed Repair now and
 * it has not returned (its audit comes first; between its steps no event says what runs).
 */
export function describeActivity(a: Activity | undefined, repairAsked = false): ActivityWords | undefined {
  if (!a) return repairAsked ? { text: 'Repairing…', fraction: undefined, repairing: true } : undefined
  const fraction = a.total > 0 ? Math.min(1, a.done / a.total) : undefined
  if (a.kind === 'repair') {
    return {
      text: a.total > 0 ? `Repairing: ${a.done} of ${plural(a.total, 'share')} placed` : 'Repairing: fetching good shares and finding new hosts…',
      fraction,
      repairing: true,
    }
  }
  const counted = a.total > 0 ? `${a.done} of ${plural(a.total, 'share')} audited` : 'asking its hosts…'
  return repairAsked
    ? { text: `Repairing: first a check, ${counted}`, fraction, repairing: true }
    : { text: `Checking: ${counted}`, fraction, repairing: false }
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' }

/** 0.5 → "50 %"; near 1, as many nines as are true (rounded down, so it never says more than it knows). */
export function formatChance(p: number): string {
  if (p >= 1) return '100 %'
  if (p < 0.99) return `${Math.round(p * 100)} %`
  const digits = Math.min(8, Math.max(0, Math.floor(-Math.log10(1 - p) + 1e-9) - 1))
  return `${String(Math.floor(p * 100 * 10 ** digits + 1e-6) / 10 ** digits)} %`
}

function fraction(a: number, b: number): string {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y))
  const g = gcd(a, b) || 1
  return `${a / g}/${b / g}`
}

/** The audit's sizing and what it catches, from the facade's figures (issue: "show the figure in the app"). */
export function describeAuditFigures(f: AuditFigures): string {
  const miss = (1 - f.catchHalfPerAudit) ** f.auditsToCatchHalf
  const exp = Math.log2(miss)
  const power =
    Number.isFinite(exp) && Math.abs(exp - Math.round(exp)) < 1e-6
      ? `1 − 2${[...String(Math.round(exp))].map((c) => SUPERSCRIPT[c] ?? c).join('')} (${formatChance(1 - miss)})`
      : formatChance(1 - miss)
  return (
    `Each check asks every host for ${f.leavesAsked} of the ${f.leaves} leaves of each share (${fraction(f.leavesAsked, f.leaves)} of its bytes). ` +
    `A host that kept only half of a share is caught with probability ${formatChance(f.catchHalfPerAudit)} per check, ` +
    `and with ${power} within ${plural(f.auditsToCatchHalf, 'check')}; ` +
    `checks run every ${formatDuration(f.auditEveryMs)} while Layr is open (every ${formatDuration(f.retryMs)} for files with a host away).`
  )
}
