/**
 * The hosts this owner uses, as the Network view lists them: each one's audit and online scores
 * (this owner's own forgetting Beta scores, kept by the facade), audits passed and failed, when it
 * was last reached or since when it is away, and whether it is disqualified. Pure.
 */
import { DISQUALIFY_BELOW } from '../core/audit/index.ts'
import type { PeerPlacement } from '../layr/api.ts'
import { formatAgo, formatDuration, plural } from '../ui/format.ts'

export interface HostScoreRow {
  readonly peerId: string
  readonly shares: number
  readonly connected: boolean
  /** "Audits 100 %" and "Online 92.5 %", or undefined before its first audit. */
  readonly audit: string | undefined
  readonly online: string | undefined
  /** "12 passed, 1 failed" */
  readonly audits: string | undefined
  /** "Connected now", "Away for 3 h", "Last seen 5 min ago", "Not checked yet". */
  readonly seen: string
  readonly away: boolean
  readonly disqualified: boolean
  /** The badge of a disqualified host. */
  readonly badge: string | undefined
  /** "3 of your shares", "none of your shares now". */
  readonly holding: string
}

/**
 * A score as a percentage: whole numbers below 90 %, one decimal above (rounded down, so a host
 * just under the disqualification line never reads as being on it).
 */
export function formatScore(score: number): string {
  if (score >= 1) return '100 %'
  if (score >= 0.9) return `${String(Math.floor(score * 1000 + 1e-6) / 10)} %`
  return `${Math.round(score * 100)} %`
}

/** What the two scores mean, for the list's heading. */
export function scoresExplained(): string {
  return (
    'How each host has kept your shares, as this browser has seen it: the audit score counts the checks it passed (below ' +
    `${formatScore(DISQUALIFY_BELOW)} a host is disqualified), the online score how often it could be reached. Recent checks weigh most.`
  )
}

export function hostScoreRows(placements: readonly PeerPlacement[], now: number): HostScoreRow[] {
  return placements
    .map((p): HostScoreRow => {
      const r = p.reputation
      const away = !p.connected && r?.offlineSince !== undefined
      const seen = p.connected
        ? 'Connected now'
        : r?.offlineSince !== undefined
          ? `Away for ${formatDuration(now - r.offlineSince)}`
          : r?.lastSeen !== undefined
            ? `Last seen ${formatAgo(r.lastSeen, now)}`
            : 'Not connected'
      return {
        peerId: p.peerId,
        shares: p.shares,
        connected: p.connected,
        audit: r ? formatScore(r.audit) : undefined,
        online: r ? formatScore(r.online) : undefined,
        audits: r ? `${r.passed} passed, ${r.failed} failed` : undefined,
        seen,
        away,
        disqualified: r?.disqualified === true,
        badge: r?.disqualified
          ? p.shares > 0
            ? 'Disqualified: failed its audits; its shares are being moved'
            : 'Disqualified: failed its audits; its shares were moved to other hosts'
          : undefined,
        holding: p.shares > 0 ? `${plural(p.shares, 'share')} of yours` : 'none of your shares now',
      }
    })
    .sort((a, b) => Number(b.disqualified) - Number(a.disqualified) || b.shares - a.shares || a.peerId.localeCompare(b.peerId))
}
