/**
 * An upload, in stages: find hosts (STAT), plan (every share's host, and spares, before any share
 * leaves: core/placement/plan.ts), then encode and place segments while the next ones are
 * encoded, each share to its planned host over the share protocol. A host that fails a store is
 * dropped for the rest of the upload and its shares go to a spare (or, when none is left, to
 * another planned host that holds no share of that segment). A failed or cancelled upload
 * deletes, with signed deletes, every share that landed: nothing is left behind that no manifest
 * names.
 */
import {
  CancelledError,
  LayrError,
  encodeFile,
  planSegments,
  segmentSpec,
  type EncoderFactory,
  type EncodedSegment,
  type FileManifest,
  type PipelineProgress,
  type RedundancyPolicy,
} from '../core/index.ts'
import { planUpload, type UploadPlan } from '../core/placement/index.ts'
import type { BlobLike } from '../core/pipeline/index.ts'
import { DEFAULT_SHARE_SIZE } from '../core/segment/index.ts'
import type { Vault } from '../core/vault/index.ts'
import { signStore } from '../net/share/auth.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { findHosts } from './hosts.ts'
import { deleteSigned } from './remove.ts'

/** Not enough reachable hosts with room for every share. */
export class PlacementError extends LayrError {
  override readonly name = 'PlacementError'
}

export type BackupProgress =
  | PipelineProgress
  | { readonly type: 'place:hosts'; readonly hosts: number }
  | { readonly type: 'place:plan'; readonly hosts: readonly string[]; readonly spares: readonly string[]; readonly reduced: boolean }
  | { readonly type: 'place:share'; readonly segmentIndex: number; readonly shareIndex: number; readonly peer: string }
  | { readonly type: 'place:reduced'; readonly segmentIndex: number; readonly hosts: number }

export interface BackupOptions {
  readonly policy: RedundancyPolicy
  readonly onProgress?: (e: BackupProgress) => void
  readonly signal?: AbortSignal
  readonly encoder?: EncoderFactory
  readonly shareSize?: number
  /** The file's name in the manifest (default: the File's own name). */
  readonly name?: string
  /** Segments placed at once (default PLACE_AHEAD). */
  readonly placeAhead?: number
  /** How long to look for hosts. */
  readonly discoverMs?: number
  /** Hosts kept in reserve by the plan (default 2). */
  readonly spares?: number
  /** Time limit of one store (default: the share protocol's). */
  readonly storeTimeoutMs?: number
  /** 0 (never: a disqualified host) to 1: how much the owner wants a host (its reputation). */
  readonly preference?: (peer: string) => number
}

/** Hosts the owner wants less than this (a poor online or audit score) are planned only when there are too few others. */
const PREFERRED = 0.5

/** Segments being placed at once (their shares go out in parallel). */
const PLACE_AHEAD = 2

/** Tries of one share on successive hosts before the upload gives up. */
const TRIES_PER_SHARE = 4

/**
 * Follows a plan: who takes each share, and who takes over from a host that failed. Keeps what
 * each host has been given, so a spare is never handed more than the room it reported.
 */
class Placement {
  readonly #failed = new Set<string>()
  readonly #room: Map<string, number>
  readonly #assigned: string[][]

  constructor(
    readonly plan: UploadPlan,
    free: ReadonlyMap<string, number>,
    /** Every host found, nearest first: after the spares, the last resort before doubling up. */
    private readonly found: readonly string[],
  ) {
    this.#assigned = plan.assignments.map((s) => [...s])
    this.#room = new Map(free)
    for (const [h, bytes] of plan.load) this.#room.set(h, (this.#room.get(h) ?? 0) - bytes)
  }

  /** Drops a host for the rest of the upload. */
  fail(host: string): void {
    this.#failed.add(host)
  }

  get liveHosts(): number {
    return [...this.plan.hosts, ...this.plan.spares].filter((h) => !this.#failed.has(h)).length
  }

  /**
   * The share's host: the planned one, or when that host failed, a spare (then another host that
   * was found, then another planned host) with room, preferring one that holds no other share of the segment (`doubled` when
   * none does). Undefined when no host is left for it.
   */
  hostFor(segment: number, share: number, size: number): { host: string; doubled: boolean } | undefined {
    const planned = this.#assigned[segment]![share]!
    if (!this.#failed.has(planned)) return { host: planned, doubled: false }
    const others = new Set(this.#assigned[segment]!.filter((_, i) => i !== share))
    const ok = (h: string): boolean => !this.#failed.has(h) && (this.#room.get(h) ?? 0) >= size
    const order = [...new Set([...this.plan.spares, ...this.found.filter((h) => !this.plan.hosts.includes(h)), ...this.plan.hosts])]
    const distinct = order.find((h) => ok(h) && !others.has(h))
    const host = distinct ?? order.find(ok)
    if (!host) return undefined
    this.#room.set(host, this.#room.get(host)! - size)
    this.#assigned[segment]![share] = host
    return { host, doubled: distinct === undefined }
  }
}

export async function backupFile(net: PeerNetwork, vault: Vault, file: BlobLike, options: BackupOptions): Promise<FileManifest> {
  const { policy, onProgress } = options
  // Our own abort, linked to the caller's: the first failure stops the other segments' stores.
  const stop = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
  const spares = options.spares ?? 2
  const found = await findHosts(net, policy.n + spares, options.discoverMs ?? 15_000, signal)
  const preference = options.preference ?? (() => 1)
  const usable = found.filter((h) => preference(h.peerId) > 0)
  const preferred = usable.filter((h) => preference(h.peerId) >= PREFERRED)
  const hosts = preferred.length >= policy.n + spares ? preferred : usable
  onProgress?.({ type: 'place:hosts', hosts: hosts.length })
  // With fewer than n hosts the upload goes ahead with reduced redundancy and says so
  // (place:reduced): one other tab is enough to back up to, which is how Layr starts out.
  if (hosts.length === 0) {
    throw new PlacementError('No other peer with room to host was found. Open Layr in another browser (or ask someone to), leave it open, and try again.')
  }
  const layout = planSegments(file.size, policy.k, options.shareSize ?? DEFAULT_SHARE_SIZE)
  const shareSizes = Array.from({ length: layout.count }, (_, i) => segmentSpec(layout, i).shareSize)
  const plan = planUpload({ shareSizes, n: policy.n, hosts, target: crypto.getRandomValues(new Uint8Array(32)), spares })
  if (!plan) {
    const free = hosts.reduce((sum, h) => sum + h.free, 0)
    throw new PlacementError(
      `The ${hosts.length} host(s) found have ${Math.floor(free / 2 ** 20)} MiB free between them, too little for this file's ${Math.ceil((shareSizes.reduce((a, b) => a + b, 0) * policy.n) / 2 ** 20)} MiB of shares. Wait for more hosts, or choose a lower redundancy.`,
    )
  }
  onProgress?.({ type: 'place:plan', hosts: plan.hosts, spares: plan.spares, reduced: plan.reduced })
  const placement = new Placement(
    plan,
    new Map(hosts.map((h) => [h.peerId, h.free])),
    hosts.map((h) => h.peerId),
  )
  const landed: Array<{ peer: string; key: Uint8Array }> = []
  const holders = new Map<string, string>() // "segment/share" → peer

  const gen = encodeFile(file, policy, vault, {
    ...(onProgress ? { onProgress } : {}),
    signal,
    ...(options.encoder ? { encoder: options.encoder } : {}),
    ...(options.shareSize ? { shareSize: options.shareSize } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
  })

  const placeShare = async (segment: EncodedSegment, share: EncodedSegment['shares'][number]): Promise<void> => {
    let last = ''
    for (let tries = 1; ; tries++) {
      const target = placement.hostFor(segment.index, share.shareIndex, share.bytes.length)
      if (!target) {
        throw new PlacementError(
          `Segment ${segment.index}: share ${share.shareIndex} found no host with room left${last ? ` (the last one said: ${last})` : ''}. Wait for more hosts, or free space.`,
        )
      }
      if (target.doubled) onProgress?.({ type: 'place:reduced', segmentIndex: segment.index, hosts: placement.liveHosts })
      const peer = target.host
      // A store once sent is let finish (its time limits still apply) rather than aborted: then
      // `landed` knows every share that reached a host, and a failed or cancelled backup can take
      // them all back.
      signal.throwIfAborted()
      try {
        const store = { type: 'store', key: share.key, root: share.root, ...signStore(vault, share.key, share.bytes.length, peer), bytes: share.bytes } as const
        const res = await net.request(peer, store, options.storeTimeoutMs ? { timeoutMs: options.storeTimeoutMs } : {})
        if (res.status !== 'ok') throw new Error(`${res.status}: ${res.message}`)
        landed.push({ peer, key: share.key })
        holders.set(`${segment.index}/${share.shareIndex}`, peer)
        onProgress?.({ type: 'place:share', segmentIndex: segment.index, shareIndex: share.shareIndex, peer })
        return
      } catch (err) {
        if (signal.aborted) throw err
        last = (err as Error).message
        placement.fail(peer)
        if (tries >= TRIES_PER_SHARE) {
          throw new PlacementError(
            `Segment ${segment.index}: share ${share.shareIndex} was refused by ${tries} hosts (the last said: ${(err as Error).message}). Wait for more hosts, or free space.`,
          )
        }
      }
    }
  }

  const placeSegment = async (segment: EncodedSegment): Promise<void> => {
    if (new Set(plan.assignments[segment.index]).size < policy.n) {
      onProgress?.({ type: 'place:reduced', segmentIndex: segment.index, hosts: plan.hosts.length })
    }
    const results = await Promise.allSettled(segment.shares.map((share) => placeShare(segment, share)))
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failure) throw failure.reason
  }

  // Segments are placed while the next ones are encoded: up to PLACE_AHEAD in flight, so the
  // wire is never idle waiting for the slowest host of one segment.
  const inflight: Array<Promise<void>> = []
  let manifest: FileManifest | undefined
  try {
    for (let r = await gen.next(); ; r = await gen.next()) {
      if (r.done) {
        manifest = r.value
        break
      }
      const segment = r.value
      const placing = placeSegment(segment).finally(() => segment.release())
      // Awaited in order below; until then a failure must not count as unhandled.
      placing.catch(() => {})
      inflight.push(placing)
      if (inflight.length >= (options.placeAhead ?? PLACE_AHEAD)) await inflight.shift()
    }
    while (inflight.length > 0) await inflight.shift()
  } catch (err) {
    stop.abort(err)
    await gen.return(undefined as never).catch(() => {})
    await Promise.allSettled(inflight)
    // Shares already stored belong to no manifest: take them back (best effort), or they would
    // sit on their hosts with nothing left that could ever delete them.
    await deleteSigned(net, vault, landed)
    if (options.signal?.aborted) throw new CancelledError('The backup was cancelled; the shares it had placed were deleted again.')
    throw err
  }
  return {
    ...manifest,
    segments: manifest.segments.map((seg) => ({
      ...seg,
      shares: seg.shares.map((sh) => ({ ...sh, holders: [holders.get(`${seg.index}/${sh.index}`)!] })),
    })),
  }
}
