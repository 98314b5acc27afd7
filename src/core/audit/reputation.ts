/**
 * What an owner remembers of each host, in the spirit of Storj's reputation: a forgetting Beta
 * score for audits and one for being online. Each outcome is a weight-1 success or failure, and
 * every update first multiplies both counts by λ, so the score forgets old behaviour with a
 * memory of about 1 / (1 − λ) = 1,000 outcomes. score = α / (α + β).
 *
 * A new host starts at α = NEW_HOST_ALPHA, β = 0 (as if it had passed that many audits): one
 * wrong answer leaves it usable, three in a row disqualify it (0.96), where Storj's α = 1000 start
 * needs 41. Owners here see few hosts and audit each a few times a day, so a liar must be dropped
 * within one or two rounds. Disqualification is for audits only: a tab that is often offline has
 * a low online score (placement prefers others) but is not a cheat.
 */

export const REPUTATION_LAMBDA = 0.999
/** Audit scores below this disqualify a host: no new shares, and its shares are replaced. */
export const DISQUALIFY_BELOW = 0.96
export const NEW_HOST_ALPHA = 50

export interface BetaScore {
  readonly alpha: number
  readonly beta: number
}

export interface HostReputation {
  readonly audit: BetaScore
  readonly online: BetaScore
  /** Audits passed and failed (wrong, missing or late answers), for the Network view. */
  readonly passed: number
  readonly failed: number
  /** When it was last reached, and since when it has been unreachable (undefined while reachable). */
  readonly lastSeen?: number
  readonly offlineSince?: number
  /** When its audit score first fell below DISQUALIFY_BELOW (it stays disqualified). */
  readonly disqualifiedAt?: number
}

export const NEW_HOST: HostReputation = Object.freeze({
  audit: Object.freeze({ alpha: NEW_HOST_ALPHA, beta: 0 }),
  online: Object.freeze({ alpha: NEW_HOST_ALPHA, beta: 0 }),
  passed: 0,
  failed: 0,
})

export function updateBeta(s: BetaScore, success: boolean, lambda = REPUTATION_LAMBDA): BetaScore {
  return { alpha: lambda * s.alpha + (success ? 1 : 0), beta: lambda * s.beta + (success ? 0 : 1) }
}

export function scoreOf(s: BetaScore): number {
  return s.alpha + s.beta === 0 ? 1 : s.alpha / (s.alpha + s.beta)
}

/** One audit answer from the host: it proved the leaves, or it did not (wrong, missing or late). */
export function recordAudit(rep: HostReputation | undefined, passed: boolean, now: number): HostReputation {
  const r = rep ?? NEW_HOST
  const audit = updateBeta(r.audit, passed)
  const next: HostReputation = { ...r, audit, passed: r.passed + (passed ? 1 : 0), failed: r.failed + (passed ? 0 : 1), lastSeen: now }
  if (next.disqualifiedAt === undefined && scoreOf(audit) < DISQUALIFY_BELOW) return { ...next, disqualifiedAt: now }
  return next
}

/** One attempt to reach the host (once per audit round, however many shares it holds). */
export function recordOnline(rep: HostReputation | undefined, reached: boolean, now: number): HostReputation {
  const r = rep ?? NEW_HOST
  const online = updateBeta(r.online, reached)
  if (!reached) return { ...r, online, offlineSince: r.offlineSince ?? now }
  const { offlineSince: _, ...rest } = r
  return { ...rest, online, lastSeen: now }
}

export function isDisqualified(rep: HostReputation | undefined): boolean {
  return rep?.disqualifiedAt !== undefined
}

/**
 * How much placement and repair want a host, from 0 (disqualified) to 1: its audit score times its
 * online score. Unknown hosts rank as new ones.
 */
export function hostPreference(rep: HostReputation | undefined): number {
  if (isDisqualified(rep)) return 0
  const r = rep ?? NEW_HOST
  return scoreOf(r.audit) * scoreOf(r.online)
}
