/**
 * Repair, the I/O half (core/repair decides what): for each segment whose counted shares fell
 * below the repair threshold, fetch k verified shares, rebuild the lost ones with Reed-Solomon
 * (their bytes, and so their roots and keys, are exactly the originals: the manifest's share
 * entries stay, only holders change), place each on a new host that holds no other share of the
 * segment, preferring hosts with good reputations and never a disqualified one. The result is
 * the change to write as the manifest's next revision (manifests/repository.ts), then the old
 * holders that failed are asked to delete theirs.
 *
 * The same pass spreads out a file placed with reduced redundancy (core/repair spreadShares): a
 * verified share on a host that holds another share of its segment is fetched from that host,
 * checked against its root, stored on a host holding none of the segment, and deleted from the
 * doubled-up host once the new revision is saved. With no such host it stays: not a failure.
 *
 * Repair never makes a file worse: a segment that has fewer than k verified shares stops the
 * whole repair before anything moves (RepairImpossibleError); a share that finds no new host
 * keeps its old holder, and the result says how many could not be placed.
 */
import { DEFAULT_LEASE_MS } from '../core/lease/index.ts'
import { LayrError, createReedSolomon, merkleRoot, type FileManifest, type RedundancyPolicy } from '../core/index.ts'
import { equal, toHex } from '../core/bytes.ts'
import { fileSpread, fileVerdict, type ShareCheck } from '../core/repair/index.ts'
import { Vault } from '../core/vault/index.ts'
import { ownerStoreSigner, type StoreSigner } from '../net/share/auth.ts'
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
  /** Shares placed on new hosts: rebuilt, or moved to spread a segment out. */
  readonly placed: number
  /** Lost shares that found no new host (they keep their old holder). */
  readonly unplaced: number
  /** Of `placed`, the shares moved off a host that held another share of their segment. */
  readonly spread: number
  /** Shares that would have spread out but found no host holding none of their segment: they stay, and that is no failure. */
  readonly unspread: number
  /** share key (hex) → its new holder, for the next revision (see applyRepair). */
  readonly moves: ReadonlyMap<string, string>
  /** Old holders to ask to delete after the new revision is saved: those that answered the audit wrongly, and doubled-up hosts a share spread away from. */
  readonly stale: ReadonlyArray<{ readonly peer: string; readonly key: Uint8Array }>
}

/**
 * What repair needs of a file: its segments' share sizes and shares (index, key, root, holders).
 * A manifest is one; so is a repair capability's layout (core/repair/capability.ts), which has no
 * key: a host given repair rebuilds and re-places shares with this and a delegate's signer.
 */
export interface RepairLayout {
  readonly segments: readonly {
    readonly index: number
    readonly shareSize: number
    readonly shares: readonly LayoutShare[]
  }[]
}

interface LayoutShare {
  readonly index: number
  readonly key: Uint8Array
  readonly root: Uint8Array
  readonly holders: readonly string[]
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

/**
 * `signer`: the owner's vault, or a StoreSigner (a delegate's, net/share/auth.ts): stores are the
 * only thing repair signs. Deletes of stale shares are the caller's, after the new revision is saved.
 */
export async function repairFile(net: PeerNetwork, signer: Vault | StoreSigner, manifest: RepairLayout, options: RepairOptions): Promise<RepairResult> {
  const { policy, checks, onProgress, signal } = options
  const sign = signer instanceof Vault ? ownerStoreSigner(signer) : signer
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
  // Every segment placed with reduced redundancy is spread out too, whether or not a rebuild runs.
  const spreads = fileSpread(manifest, checks)
  const todo = segments
    .map(({ index, s }) => ({ index, s, lost: urgent.length > 0 && s.repairable ? s.lost : [], spread: spreads[index] ?? [] }))
    .filter(({ lost, spread }) => lost.length + spread.length > 0)
  const moves = new Map<string, string>()
  const stale: Array<{ peer: string; key: Uint8Array }> = []
  const total = todo.reduce((sum, { lost, spread }) => sum + lost.length + spread.length, 0)
  if (total === 0) return { placed: 0, unplaced: 0, spread: 0, unspread: 0, moves, stale }
  onProgress?.({ type: 'repair:start', segments: todo.length, shares: total })

  const preference = options.preference ?? (() => 1)
  const found = await findHosts(net, policy.n + total, options.discoverMs ?? 15_000, signal)
  const hosts = found.filter((h) => preference(h.peerId) > 0)
  onProgress?.({ type: 'repair:hosts', hosts: hosts.length })
  const room = new Map(hosts.map((h) => [h.peerId, h.free]))
  const given = new Map<string, number>() // shares this repair gave each host, to spread them
  const failedHosts = new Set<string>()
  /** New hosts for a share of `size` bytes, best first: none in `taken`, none that failed a store in this repair. */
  const candidates = (taken: (p: string) => boolean, size: number): string[] =>
    hosts
      .map((h) => h.peerId)
      .filter((p) => !taken(p) && !failedHosts.has(p) && (room.get(p) ?? 0) >= size)
      .sort((a, b) => (given.get(a) ?? 0) - (given.get(b) ?? 0) || preference(b) - preference(a))
  /** Stores the share on the best candidate, trying the next on failure: its new holder, or why none took it. */
  const place = async (entry: LayoutShare, bytes: Uint8Array, taken: (p: string) => boolean): Promise<{ peer: string } | { reason: string }> => {
    let reason = 'no host with room that holds no other share of this segment'
    for (let tries = 0; tries < 4; tries++) {
      const peer = candidates(taken, bytes.length)[0]
      if (!peer) break
      try {
        await options.throttle?.(bytes.length, signal)
        const store = {
          type: 'store',
          key: entry.key,
          root: entry.root,
          ...sign(entry.key, bytes.length, peer, { lease: options.lease ?? DEFAULT_LEASE_MS }),
          bytes,
        } as const
        const res = await net.request(peer, store, { timeoutMs: options.storeTimeoutMs ?? 60_000, ...(signal ? { signal } : {}) })
        if (res.status !== 'ok') throw new Error(`${res.status}: ${res.message}`)
        room.set(peer, room.get(peer)! - bytes.length)
        given.set(peer, (given.get(peer) ?? 0) + 1)
        return { peer }
      } catch (err) {
        signal?.throwIfAborted()
        reason = (err as Error).message
        failedHosts.add(peer)
      }
    }
    return { reason }
  }

  const rs = createReedSolomon(policy.k, policy.n)
  const fetch = fetchFromHolders(net, signal)
  /** One share's bytes from `holders`, if they come back whole and match its root. */
  const fetchChecked = async (index: number, sh: LayoutShare, size: number, holders: readonly string[]): Promise<Uint8Array | undefined> => {
    await options.throttle?.(size, signal)
    const ref = { segmentIndex: index, shareIndex: sh.index, key: sh.key, root: sh.root, size, holders }
    const bytes = await fetch(ref).catch(() => {
      signal?.throwIfAborted()
      return undefined
    })
    return bytes && bytes.length === size && equal(await merkleRoot(bytes), sh.root) ? bytes : undefined
  }
  let done = 0
  let unplaced = 0
  let spread = 0
  let unspread = 0
  for (const [i, { index, lost, spread: toSpread }] of todo.entries()) {
    signal?.throwIfAborted()
    const seg = manifest.segments[index]!
    const shares: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(seg.shares.length).fill(undefined)
    // Hosts of this segment's shares that stay where they are.
    const keep = new Set(seg.shares.filter((sh) => !lost.includes(sh.index)).flatMap((sh) => sh.holders.slice(0, 1)))
    if (lost.length > 0) {
      // k verified shares, data shares first (their order in the manifest).
      let good = 0
      for (const sh of seg.shares) {
        if (good >= policy.k) break
        if (checks[index]?.[sh.index]?.state !== 'verified') continue
        const bytes = await fetchChecked(index, sh, seg.shareSize, sh.holders)
        if (bytes) {
          shares[sh.index] = bytes
          good++
        }
      }
      if (good < policy.k) {
        // Verified a moment ago, gone now: leave this segment's lost shares as they are, and say so.
        for (const j of lost) {
          unplaced++
          onProgress?.({ type: 'repair:unplaced', segmentIndex: index, shareIndex: j, reason: `only ${good} of ${policy.k} needed shares could be fetched` })
        }
      } else {
        const rebuilt = rs.reconstructShares(shares, lost)
        for (const [j, shareIndex] of lost.entries()) {
          const entry = seg.shares[shareIndex]!
          const bytes = rebuilt[j]!
          if (!equal(await merkleRoot(bytes), entry.root))
            throw new RepairImpossibleError(`Segment ${index}: share ${shareIndex} rebuilt to bytes that do not match its root; nothing was changed.`)
          const to = await place(entry, bytes, (p) => keep.has(p) || entry.holders.includes(p))
          if (!('peer' in to)) {
            unplaced++
            onProgress?.({ type: 'repair:unplaced', segmentIndex: index, shareIndex, reason: to.reason })
            continue
          }
          keep.add(to.peer)
          moves.set(toHex(entry.key), to.peer)
          const old = entry.holders[0]
          if (old && checks[index]?.[shareIndex]?.state === 'failed') stale.push({ peer: old, key: entry.key })
          onProgress?.({ type: 'repair:share', segmentIndex: index, shareIndex, peer: to.peer, done: ++done, total })
        }
      }
    }
    // Spreading: a verified share moves off a host that holds another of this segment's shares, to
    // one that holds none of them (not even a lost one's). Its bytes come from its holder, checked
    // against its root; the holder deletes it once the new revision is saved. With no such host it
    // stays where it is: reduced, as before, and no failure.
    const holding = new Set(seg.shares.flatMap((sh) => sh.holders))
    const taken = (p: string): boolean => keep.has(p) || holding.has(p)
    for (const shareIndex of toSpread) {
      const entry = seg.shares[shareIndex]!
      const old = entry.holders[0]!
      if (candidates(taken, seg.shareSize).length === 0) {
        unspread++
        continue
      }
      const bytes = shares[shareIndex] ?? (await fetchChecked(index, entry, seg.shareSize, [old]))
      const to = bytes ? await place(entry, bytes, taken) : undefined
      if (!to || !('peer' in to)) {
        unspread++
        continue
      }
      keep.add(to.peer)
      moves.set(toHex(entry.key), to.peer)
      stale.push({ peer: old, key: entry.key })
      spread++
      onProgress?.({ type: 'repair:share', segmentIndex: index, shareIndex, peer: to.peer, done: ++done, total })
    }
    onProgress?.({ type: 'repair:segment', segmentIndex: index, done: i + 1, total: todo.length })
  }
  return { placed: moves.size, unplaced, spread, unspread, moves, stale }
}
