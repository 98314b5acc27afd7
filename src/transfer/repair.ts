/**
 * Repair, the I/O half (core/repair decides what): for each segment whose counted shares fell
 * below the repair threshold, fetch k verified shares, rebuild the lost ones with Reed-Solomon
 * (their bytes, and so their roots and keys, are exactly the originals: the manifest's share
 * entries stay, only holders change), place each on a new host that holds no other share of the
 * segment, preferring hosts with good reputations and never a disqualified one. The result is
 * the change to write as the manifest's next revision (manifests/repository.ts), then the old
 * holders that failed are asked to delete theirs.
 *
 * Repair never makes a file worse: a segment that has fewer than k verified shares stops the
 * whole repair before anything moves (RepairImpossibleError); a share that finds no new host
 * keeps its old holder, and the result says how many could not be placed.
 */
import { DEFAULT_LEASE_MS } from '../core/lease/index.ts'
import { LayrError, createReedSolomon, merkleRoot, type FileManifest, type RedundancyPolicy } from '../core/index.ts'
import { equal, toHex } from '../core/bytes.ts'
import { fileVerdict, type ShareCheck } from '../core/repair/index.ts'
import type { Vault } from '../core/vault/index.ts'
import { signStore } from '../net/share/auth.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { findHosts } from './hosts.ts'
import { fetchFromHolders } from './restore.ts'

/** Some segment has fewer than k verified shares right now: nothing was changed. */
export class RepairImpossibleError extends LayrError {
  override readonly name = 'RepairImpossibleError'
}

export type RepairProgress =
  | { readonly type: 'repair:start'; readonly segments: number; readonly shares: number }
  | { readonly type: 'repair:hosts'; readonly hosts: number }
  | { readonly type: 'repair:segment'; readonly segmentIndex: number; readonly done: number; readonly total: number }
  | {
      readonly type: 'repair:share'
      readonly segmentIndex: number
      readonly shareIndex: number
      readonly peer: string
      readonly done: number
      readonly total: number
    }
  | { readonly type: 'repair:unplaced'; readonly segmentIndex: number; readonly shareIndex: number; readonly reason: string }

export interface RepairOptions {
  readonly policy: RedundancyPolicy
  /** The last audit round, per segment and share (transfer/audit.ts shareChecks). */
  readonly checks: readonly (readonly ShareCheck[])[]
  readonly now: number
  readonly lostAfterMs?: number
  /** Rebuild every lost share, not only in segments below the threshold ("Repair now"). */
  readonly force?: boolean
  /** 0 (never: disqualified) to 1: how much a host is wanted as a new holder. */
  readonly preference?: (peer: string) => number
  /** Waits before moving `bytes` (a bandwidth limit, so repair does not starve the owner's own work). */
  readonly throttle?: (bytes: number, signal?: AbortSignal) => Promise<void>
  readonly onProgress?: (e: RepairProgress) => void
  readonly signal?: AbortSignal
  readonly discoverMs?: number
  readonly storeTimeoutMs?: number
  /** The lease term the new holders are asked for (default DEFAULT_LEASE_MS). */
  readonly lease?: number
}

export interface RepairResult {
  /** Shares rebuilt and placed on new hosts. */
  readonly placed: number
  /** Lost shares that found no new host (they keep their old holder). */
  readonly unplaced: number
  /** share key (hex) → its new holder, for the next revision (see applyRepair). */
  readonly moves: ReadonlyMap<string, string>
  /** Old holders of moved shares that answered the audit (wrongly): asked to delete after the new revision is saved. */
  readonly stale: ReadonlyArray<{ readonly peer: string; readonly key: Uint8Array }>
}

/** The manifest with repaired shares at their new holders (applied to whatever revision is current). */
export function applyRepair(m: FileManifest, moves: ReadonlyMap<string, string>): FileManifest {
  return {
    ...m,
    segments: m.segments.map((seg) => ({
      ...seg,
      shares: seg.shares.map((sh) => {
        const to = moves.get(toHex(sh.key))
        return to ? { ...sh, holders: [to] } : sh
      }),
    })),
  }
}

export async function repairFile(net: PeerNetwork, vault: Vault, manifest: FileManifest, options: RepairOptions): Promise<RepairResult> {
  const { policy, checks, onProgress, signal } = options
  const verdict = fileVerdict(checks, policy, options.now, options.lostAfterMs)
  // Segments that must be repaired (below the threshold, or "Repair now"), then, once a repair runs
  // at all, every other segment with a lost share that can be rebuilt: one revision fixes the file.
  const segments = verdict.segments.map((s, index) => ({ index, s }))
  const urgent = segments.filter(({ s }) => s.lost.length > 0 && (s.needsRepair || options.force === true))
  const weak = urgent.find(({ s }) => !s.repairable)
  if (weak) {
    throw new RepairImpossibleError(
      `Segment ${weak.index} has ${weak.s.verified} verified share(s), and ${policy.k} are needed to rebuild the others. Nothing was changed: bring its hosts back online (they may be closed tabs), then repair again.`,
    )
  }
  const todo = urgent.length === 0 ? [] : segments.filter(({ s }) => s.lost.length > 0 && s.repairable)
  const moves = new Map<string, string>()
  const stale: Array<{ peer: string; key: Uint8Array }> = []
  const total = todo.reduce((sum, { s }) => sum + s.lost.length, 0)
  if (total === 0) return { placed: 0, unplaced: 0, moves, stale }
  onProgress?.({ type: 'repair:start', segments: todo.length, shares: total })

  const preference = options.preference ?? (() => 1)
  const found = await findHosts(net, policy.n + total, options.discoverMs ?? 15_000, signal)
  const hosts = found.filter((h) => preference(h.peerId) > 0)
  onProgress?.({ type: 'repair:hosts', hosts: hosts.length })
  const room = new Map(hosts.map((h) => [h.peerId, h.free]))
  const given = new Map<string, number>() // shares this repair gave each host, to spread them
  const failedHosts = new Set<string>()

  const rs = createReedSolomon(policy.k, policy.n)
  const fetch = fetchFromHolders(net, signal)
  let done = 0
  let unplaced = 0
  for (const [i, { index, s }] of todo.entries()) {
    signal?.throwIfAborted()
    const seg = manifest.segments[index]!
    // k verified shares, data shares first (their order in the manifest).
    const shares: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(seg.shares.length).fill(undefined)
    let good = 0
    for (const sh of seg.shares) {
      if (good >= policy.k) break
      if (checks[index]?.[sh.index]?.state !== 'verified') continue
      await options.throttle?.(seg.shareSize, signal)
      const ref = { segmentIndex: index, shareIndex: sh.index, key: sh.key, root: sh.root, size: seg.shareSize, holders: sh.holders }
      const bytes = await fetch(ref).catch(() => {
        signal?.throwIfAborted()
        return undefined
      })
      if (bytes && bytes.length === seg.shareSize && equal(await merkleRoot(bytes), sh.root)) {
        shares[sh.index] = bytes
        good++
      }
    }
    if (good < policy.k) {
      // Verified a moment ago, gone now: leave this segment as it is, and say so.
      for (const j of s.lost) {
        unplaced++
        onProgress?.({ type: 'repair:unplaced', segmentIndex: index, shareIndex: j, reason: `only ${good} of ${policy.k} needed shares could be fetched` })
      }
      continue
    }
    const rebuilt = rs.reconstructShares(shares, s.lost)
    // Hosts of this segment's shares that stay where they are.
    const keep = new Set(seg.shares.filter((sh) => !s.lost.includes(sh.index)).flatMap((sh) => sh.holders.slice(0, 1)))
    for (const [j, shareIndex] of s.lost.entries()) {
      const entry = seg.shares[shareIndex]!
      const bytes = rebuilt[j]!
      if (!equal(await merkleRoot(bytes), entry.root))
        throw new RepairImpossibleError(`Segment ${index}: share ${shareIndex} rebuilt to bytes that do not match its root; nothing was changed.`)
      let placedOn: string | undefined
      let last = 'no host with room that holds no other share of this segment'
      for (let tries = 0; tries < 4 && !placedOn; tries++) {
        const candidates = hosts
          .map((h) => h.peerId)
          .filter((p) => !keep.has(p) && !failedHosts.has(p) && (room.get(p) ?? 0) >= bytes.length && !entry.holders.includes(p))
          .sort((a, b) => (given.get(a) ?? 0) - (given.get(b) ?? 0) || preference(b) - preference(a))
        const peer = candidates[0]
        if (!peer) break
        try {
          await options.throttle?.(bytes.length, signal)
          const store = {
            type: 'store',
            key: entry.key,
            root: entry.root,
            ...signStore(vault, entry.key, bytes.length, peer, { lease: options.lease ?? DEFAULT_LEASE_MS }),
            bytes,
          } as const
          const res = await net.request(peer, store, { timeoutMs: options.storeTimeoutMs ?? 60_000, ...(signal ? { signal } : {}) })
          if (res.status !== 'ok') throw new Error(`${res.status}: ${res.message}`)
          placedOn = peer
        } catch (err) {
          signal?.throwIfAborted()
          last = (err as Error).message
          failedHosts.add(peer)
        }
      }
      if (!placedOn) {
        unplaced++
        onProgress?.({ type: 'repair:unplaced', segmentIndex: index, shareIndex, reason: last })
        continue
      }
      keep.add(placedOn)
      room.set(placedOn, room.get(placedOn)! - bytes.length)
      given.set(placedOn, (given.get(placedOn) ?? 0) + 1)
      moves.set(toHex(entry.key), placedOn)
      const old = entry.holders[0]
      if (old && checks[index]?.[shareIndex]?.state === 'failed') stale.push({ peer: old, key: entry.key })
      onProgress?.({ type: 'repair:share', segmentIndex: index, shareIndex, peer: placedOn, done: ++done, total })
    }
    onProgress?.({ type: 'repair:segment', segmentIndex: index, done: i + 1, total: todo.length })
  }
  return { placed: moves.size, unplaced, moves, stale }
}
