/**
 * Audits, the owner's side: each share's holder is sent a fresh nonce and must answer, before a
 * deadline, with the leaves it draws and their Merkle paths (core/audit). The owner checks them
 * against the root in the manifest, so it trusts no host and keeps nothing but roots.
 *
 * Outcomes are kept apart, because they mean different things:
 *   pass      the leaves were proved;
 *   fail      a wrong answer, "no such share", "busy" or "error" (a host that answers but does
 *             not prove the share: audits reserve nothing, so a host is never too busy for one), or
 *             no answer before the deadline twice in a row (the second with a fresh nonce, so a
 *             connection that died under one audit does not fail an honest host);
 *   offline   the holder could not be reached (looked up again once first): not a failure, it is
 *             asked again in later rounds (tabs come back with their data), and its shares are
 *             rebuilt only once it has been away for longer than the wait (core/repair).
 */
import { NONCE_SIZE, checkAudit, isDisqualified, leavesPerAudit, type HostReputation } from '../core/audit/index.ts'
import type { RepairLayout } from './repair.ts'
import { LEAF_SIZE } from '../core/merkle/index.ts'
import type { ShareCheck } from '../core/repair/index.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { eachLimited } from './pool.ts'

/** How long a host has to answer an audit (one to sixteen 64 KiB leaves) once asked. */
export const AUDIT_DEADLINE_MS = 20_000

/** Errors that mean "could not reach the peer" (as opposed to a peer that answered). */
const UNREACHABLE = new Set([
  'PeerUnreachableError',
  'PeerNotFoundError',
  'NetworkFailureError',
  'StreamInterruptedError',
  'RelayLimitError',
  'ProtocolUnsupportedError',
])

export type AuditResult =
  | { readonly result: 'pass' }
  | { readonly result: 'fail'; readonly reason: 'wrong' | 'missing' | 'late'; readonly detail: string }
  | { readonly result: 'offline'; readonly detail: string }

export interface AuditTarget {
  readonly key: Uint8Array
  readonly root: Uint8Array
  /** The share's size in bytes (whole leaves). */
  readonly size: number
}

export interface AuditOptions {
  readonly deadlineMs?: number
  readonly signal?: AbortSignal
  /** The nonce (tests); a fresh random one otherwise. */
  readonly nonce?: Uint8Array
}

/** One audit of one share at one holder. */
export async function auditShare(net: PeerNetwork, holder: string, share: AuditTarget, options: AuditOptions = {}): Promise<AuditResult> {
  const leaves = leavesPerAudit(share.size / LEAF_SIZE)
  const deadline = options.deadlineMs ?? AUDIT_DEADLINE_MS
  const sig = options.signal ? { signal: options.signal } : {}
  const ask = async (): Promise<AuditResult> => {
    const nonce = options.nonce ?? crypto.getRandomValues(new Uint8Array(NONCE_SIZE))
    const res = await net.request(holder, { type: 'audit', key: share.key, nonce, leaves }, { ...sig, timeoutMs: deadline, deadlineMs: deadline })
    if (res.status === 'not-found') return { result: 'fail', reason: 'missing', detail: 'The host says it does not hold the share.' }
    if (res.status === 'busy' || res.status === 'error')
      return { result: 'fail', reason: 'late', detail: `The host answered without proving the share (${res.status}).` }
    if (res.status !== 'ok') return { result: 'fail', reason: 'wrong', detail: `The host refused the audit (${res.status}: ${res.message}).` }
    const bytes = res.bytes ?? new Uint8Array(0)
    const paths = res.paths ?? []
    if (bytes.length !== leaves * LEAF_SIZE || paths.length !== leaves) {
      return { result: 'fail', reason: 'wrong', detail: `The host answered ${bytes.length} bytes and ${paths.length} paths for ${leaves} leaves.` }
    }
    const answer = { leaves: paths.map((_, i) => bytes.subarray(i * LEAF_SIZE, (i + 1) * LEAF_SIZE)), paths }
    const ok = await checkAudit(share.root, share.size, nonce, leaves, answer)
    return ok ? { result: 'pass' } : { result: 'fail', reason: 'wrong', detail: 'The leaves the host sent do not match the share’s Merkle root.' }
  }
  let timeouts = 0
  let relocated = false
  for (;;) {
    try {
      return await ask()
    } catch (err) {
      options.signal?.throwIfAborted()
      const name = (err as Error).name
      if (name === 'NetworkTimeoutError') {
        if (++timeouts >= 2) return { result: 'fail', reason: 'late', detail: `No answer within ${Math.round(deadline / 1000)} s, twice.` }
        continue
      }
      if (name === 'ProtocolError') return { result: 'fail', reason: 'wrong', detail: (err as Error).message }
      if (!UNREACHABLE.has(name) || relocated) return { result: 'offline', detail: (err as Error).message }
      relocated = true
      // Its tab may be back through another relay: look it up again, then ask once more.
      try {
        await net.relocate(holder, sig)
      } catch (e) {
        options.signal?.throwIfAborted()
        return { result: 'offline', detail: (e as Error).message }
      }
    }
  }
}

export interface FileAuditProgress {
  readonly type: 'audit:share'
  readonly segmentIndex: number
  readonly shareIndex: number
  readonly peer: string
  readonly result: AuditResult['result']
  readonly done: number
  readonly total: number
}

export interface FileAudit {
  /** [segment][share] → what its (first) holder's audit came to; undefined for a share with no holder. */
  readonly results: readonly (readonly (AuditResult | undefined)[])[]
  /** The holders asked, each with whether it could be reached at all this round. */
  readonly reached: ReadonlyMap<string, boolean>
}

/**
 * Audits every share of a file at its holder, `concurrency` at a time. A holder that cannot be
 * reached is not asked again for its other shares in this round: they are all offline.
 */
export async function auditFile(
  net: PeerNetwork,
  manifest: RepairLayout,
  options: AuditOptions & { readonly concurrency?: number; readonly onProgress?: (e: FileAuditProgress) => void } = {},
): Promise<FileAudit> {
  const results = manifest.segments.map((seg) => seg.shares.map((): AuditResult | undefined => undefined))
  const reached = new Map<string, boolean>()
  const jobs = manifest.segments.flatMap((seg) => seg.shares.map((sh) => ({ seg: seg.index, sh, peer: sh.holders[0] })))
  let done = 0
  const { concurrency, onProgress, ...auditOptions } = options
  await eachLimited(jobs, concurrency ?? 6, async ({ seg, sh, peer }) => {
    if (!peer) return
    let r: AuditResult
    if (reached.get(peer) === false) r = { result: 'offline', detail: 'Unreachable earlier in this round.' }
    else {
      r = await auditShare(net, peer, { key: sh.key, root: sh.root, size: manifest.segments[seg]!.shareSize }, auditOptions)
      if (r.result === 'offline') {
        if (!reached.has(peer)) reached.set(peer, false)
      } else reached.set(peer, true)
    }
    results[seg]![sh.index] = r
    onProgress?.({ type: 'audit:share', segmentIndex: seg, shareIndex: sh.index, peer, result: r.result, done: ++done, total: jobs.length })
  })
  return { results, reached }
}

/**
 * The round's results as repair sees them: a pass is verified; a failure, a share without a
 * holder, or a disqualified holder is failed; an offline holder is offline since the time its
 * reputation says it was last found away (or now).
 */
export function shareChecks(manifest: RepairLayout, audit: FileAudit, reputation: (peer: string) => HostReputation | undefined, now: number): ShareCheck[][] {
  return manifest.segments.map((seg) =>
    seg.shares.map((sh): ShareCheck => {
      const peer = sh.holders[0]
      const r = audit.results[seg.index]?.[sh.index]
      if (!peer || !r) return { state: 'failed', reason: 'missing' }
      if (isDisqualified(reputation(peer))) return { state: 'failed', reason: 'disqualified' }
      if (r.result === 'pass') return { state: 'verified' }
      if (r.result === 'fail') return { state: 'failed', reason: r.reason }
      return { state: 'offline', since: reputation(peer)?.offlineSince ?? now }
    }),
  )
}
