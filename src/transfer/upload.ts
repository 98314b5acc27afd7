/**
 * An upload, in stages: find hosts (STAT), plan (every share's host, and spares, before any share
 * leaves: core/placement/plan.ts), then encode and place segments while the next ones are
 * encoded, each share to its planned host over the share protocol. A host that fails a store is
 * dropped for the rest of the upload and its shares go to a spare (or, when none is left, to
 * another planned host that holds no share of that segment). A failed or cancelled upload
 * deletes, with signed deletes, every share that landed: nothing is left behind that no manifest
 * names.
 *
 * An upload can be journaled (`journal`) and resumed (`resume`): the journal learns the file's
 * identity and plan before any share leaves, each segment's share keys before its first share is
 * sent, and each share that lands. A resumed upload encodes the same file under the same key, so
 * a segment's shares are the same bytes: those that landed (and that their host still holds, asked
 * with a renewal) are not sent again, and a segment whose keys differ from the journal's means the
 * file changed (FileChangedError, before anything of it is sent: sending other bytes under the
 * same key and nonces would give hosts two plaintexts under one keystream). Shares are stored
 * under a short lease (PENDING_LEASE_MS) that the caller renews once the manifest is saved.
 */
import {
  CancelledError,
  LayrError,
  encodeFile,
  encodeShares,
  newFileIdentity,
  planSegments,
  segmentSpec,
  type EncoderFactory,
  type EncodedSegment,
  type FileManifest,
  type PipelineProgress,
  type RedundancyPolicy,
} from '../core/index.ts'
import { maxSharesPerHost, planUpload, type Candidate, type UploadPlan } from '../core/placement/index.ts'
import type { BlobLike } from '../core/pipeline/index.ts'
import { DEFAULT_SHARE_SIZE } from '../core/segment/index.ts'
import type { Vault } from '../core/vault/index.ts'
import { signStore } from '../net/share/auth.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { findHosts } from './hosts.ts'
import { deleteSigned } from './remove.ts'
import { renewLeases } from './leases.ts'
import { PENDING_LEASE_MS } from '../core/lease/index.ts'
import { fromHex, toHex } from '../core/bytes.ts'
import type { FileIdentity } from '../core/pipeline/index.ts'

/** Not enough reachable hosts with room for every share. */
export class PlacementError extends LayrError {
  override readonly name = 'PlacementError'
}

/** A resumed backup was given another file than the one it began with: nothing more was sent. */
export class FileChangedError extends LayrError {
  override readonly name = 'FileChangedError'
}

/** What an upload tells its journal as it goes (each awaited before the upload goes on). */
export interface UploadJournalHooks {
  /** The file's identity and the plan, before any share leaves. */
  begin?(start: { readonly identity: FileIdentity; readonly createdAt: number; readonly plan: UploadPlan }): Promise<void>
  /** A segment's share keys, before its first share is sent. */
  encoded?(segment: number, keys: readonly Uint8Array[]): Promise<void>
  /** A share reached its host. */
  landed?(segment: number, share: number, peer: string): Promise<void>
}

/** Where an interrupted upload got to (from its journal). */
export interface ResumeState {
  readonly identity: FileIdentity
  readonly createdAt: number
  readonly plan: Pick<UploadPlan, 'hosts' | 'spares' | 'assignments'>
  /** Hex share keys of each segment whose shares began to leave. */
  readonly encoded: ReadonlyMap<number, readonly string[]>
  /** "segment/share" → the host it landed on. */
  readonly landed: ReadonlyMap<string, string>
}

export type BackupProgress =
  | PipelineProgress
  | { readonly type: 'place:hosts'; readonly hosts: number }
  | { readonly type: 'place:plan'; readonly hosts: readonly string[]; readonly spares: readonly string[]; readonly reduced: boolean }
  | { readonly type: 'place:share'; readonly segmentIndex: number; readonly shareIndex: number; readonly peer: string }
  | { readonly type: 'place:reduced'; readonly segmentIndex: number; readonly hosts: number }
  /** Hosts that charge were left out: the owner has no way to pay (no wallet) or chose free hosts only. */
  | { readonly type: 'pay:skipped'; readonly hosts: number; readonly reason: 'no-wallet' | 'declined' }
  /** The plan's hosts that charge were paid (one funding transaction) and took the offers, but for `refused`. */
  | { readonly type: 'pay:funded'; readonly hosts: number; readonly refused: number; readonly stroops: string }

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
  /** The lease term the shares are stored under (default PENDING_LEASE_MS: renewed once the manifest is saved). */
  readonly lease?: number
  readonly journal?: UploadJournalHooks
  /**
   * Goes on from an interrupted upload of the same file. A resumed upload that fails or is
   * cancelled keeps what it placed (its journal still names it), so it can be resumed again.
   */
  readonly resume?: ResumeState
  /** The most the owner pays a host, stroops per GiB-month: hosts above it are planned only when too few others are found. */
  readonly maxPrice?: number
  /**
   * Pays the plan's hosts that charge, before any share leaves (transfer/pay.ts). Without it hosts
   * that charge are left out (they would refuse every share). It answers `declined` when the owner
   * chose free hosts only (the plan is made again without them), or the hosts that did not take
   * their escrow (they get no share).
   */
  readonly pay?: (request: UploadPayRequest) => Promise<UploadPayOutcome>
}

/** Paid (but for the hosts in `refused`), or not: the owner chose free hosts, or has no wallet to pay with. */
export type UploadPayOutcome =
  | { readonly declined: true; readonly reason?: 'no-wallet' | 'declined' }
  | { readonly declined: false; readonly refused: readonly string[]; readonly stroops: bigint }

export interface UploadPayRequest {
  readonly fileId: Uint8Array
  readonly plan: UploadPlan
  /** The plan's hosts that charge. */
  readonly hosts: readonly Candidate[]
  /** Encodes the named shares ahead: the same bytes the upload will send. */
  readonly shares: (refs: readonly { readonly segment: number; readonly share: number }[]) => Promise<Map<string, { bytes: Uint8Array; key: Uint8Array }>>
  readonly signal: AbortSignal
}

const charges = (h: Candidate): boolean => (h.price ?? 0) > 0 && h.account !== undefined

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

  /** Records that a share is on `host` already (a resumed upload's landed share). */
  pin(segment: number, share: number, host: string): void {
    this.#assigned[segment]![share] = host
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
  const { resume, journal } = options
  const lease = options.lease ?? PENDING_LEASE_MS
  const found = await findHosts(net, policy.n + spares, options.discoverMs ?? 15_000, signal)
  const preference = options.preference ?? (() => 1)
  const usable = found.filter((h) => preference(h.peerId) > 0)
  const preferred = usable.filter((h) => preference(h.peerId) >= PREFERRED)
  let hosts = preferred.length >= policy.n + spares ? preferred : usable
  if (!options.pay && !resume && hosts.some(charges)) {
    onProgress?.({ type: 'pay:skipped', hosts: hosts.filter(charges).length, reason: 'no-wallet' })
    hosts = hosts.filter((h) => !charges(h))
  }
  onProgress?.({ type: 'place:hosts', hosts: hosts.length })
  // With fewer than n hosts the upload goes ahead with reduced redundancy and says so
  // (place:reduced): one other tab is enough to back up to, which is how Layr starts out.
  if (hosts.length === 0) {
    throw new PlacementError(
      found.some(charges)
        ? 'Every host found charges for storage, and no wallet is connected to pay them. Connect Freighter in the Wallet view, or wait for hosts that store for free.'
        : 'No other peer with room to host was found. Open Layr in another browser (or ask someone to), leave it open, and try again.',
    )
  }
  const layout = planSegments(file.size, policy.k, options.shareSize ?? DEFAULT_SHARE_SIZE)
  const shareSizes = Array.from({ length: layout.count }, (_, i) => segmentSpec(layout, i).shareSize)
  const target = crypto.getRandomValues(new Uint8Array(32))
  let plan = resume
    ? resumedPlan(resume.plan, shareSizes)
    : planUpload({ shareSizes, n: policy.n, hosts, target, spares, preference, ...(options.maxPrice !== undefined ? { maxPrice: options.maxPrice } : {}) })
  const identity = resume?.identity ?? (await newFileIdentity(vault))
  // Hosts that charge and were not paid take no share: they would refuse it.
  const unpaid = new Set(resume ? [] : hosts.filter(charges).map((h) => h.peerId))
  if (plan && options.pay && !resume && plan.hosts.some((h) => unpaid.has(h))) {
    const byId = new Map(hosts.map((h) => [h.peerId, h]))
    const paid = await options.pay({
      fileId: identity.fileId,
      plan,
      hosts: plan.hosts.filter((h) => unpaid.has(h)).map((h) => byId.get(h)!),
      // On this thread: a few segments, each read on its own (a worker encoder reads the file front to back).
      shares: (refs) => encodeShares(file, policy, identity, refs, { signal, ...(options.shareSize ? { shareSize: options.shareSize } : {}) }),
      signal,
    })
    if (paid.declined) {
      const reason = paid.reason ?? 'declined'
      onProgress?.({ type: 'pay:skipped', hosts: unpaid.size, reason })
      hosts = hosts.filter((h) => !unpaid.has(h.peerId))
      if (hosts.length === 0) {
        throw new PlacementError(
          reason === 'no-wallet'
            ? 'Every host found charges for storage, and no wallet is connected to pay them. Connect Freighter in the Wallet view, or wait for hosts that store for free.'
            : 'Every host found charges for storage, and you chose free hosts only. Wait for hosts that store for free, or pay these.',
        )
      }
      plan = planUpload({
        shareSizes,
        n: policy.n,
        hosts,
        target,
        spares,
        preference,
        ...(options.maxPrice !== undefined ? { maxPrice: options.maxPrice } : {}),
      })
    } else {
      const taken = plan.hosts.filter((h) => unpaid.has(h) && !paid.refused.includes(h))
      for (const h of taken) unpaid.delete(h)
      onProgress?.({ type: 'pay:funded', hosts: taken.length + paid.refused.length, refused: paid.refused.length, stroops: paid.stroops.toString() })
    }
  }
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
  for (const h of unpaid) placement.fail(h)
  const landed: Array<{ peer: string; key: Uint8Array }> = []
  const holders = new Map<string, string>() // "segment/share" → peer
  const createdAt = resume?.createdAt ?? Date.now()
  if (resume) {
    // Planned hosts that did not answer now are out; shares that landed count only where their
    // host still holds them (a renewal answers that, and extends their lease).
    const answering = new Set(hosts.map((h) => h.peerId))
    for (const h of [...plan.hosts, ...plan.spares]) if (!answering.has(h)) placement.fail(h)
    const keys = new Map<string, Uint8Array>() // "segment/share" → key
    for (const [segment, hexKeys] of resume.encoded) hexKeys.forEach((k, i) => keys.set(`${segment}/${i}`, fromHex(k)))
    const placed = [...resume.landed].flatMap(([ref, peer]) => (keys.has(ref) && answering.has(peer) ? [{ ref, peer, key: keys.get(ref)! }] : []))
    const leases = await renewLeases(net, vault, placed, lease, { signal })
    for (const { ref, peer, key } of placed) {
      if (!leases.get(peer)?.held.has(toHex(key))) continue
      const [segment, share] = ref.split('/').map(Number) as [number, number]
      holders.set(ref, peer)
      placement.pin(segment, share, peer)
    }
  } else {
    await journal?.begin?.({ identity, createdAt, plan })
  }

  const gen = encodeFile(file, policy, vault, {
    identity,
    createdAt,
    ...(onProgress ? { onProgress } : {}),
    signal,
    ...(options.encoder ? { encoder: options.encoder } : {}),
    ...(options.shareSize ? { shareSize: options.shareSize } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
  })

  const placeShare = async (segment: EncodedSegment, share: EncodedSegment['shares'][number]): Promise<void> => {
    const ref = `${segment.index}/${share.shareIndex}`
    // A share a resumed upload already placed: not sent again, and not counted again (the
    // interrupted backup's row started from what was placed).
    if (holders.has(ref)) return
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
        const store = {
          type: 'store',
          key: share.key,
          root: share.root,
          ...signStore(vault, share.key, share.bytes.length, peer, { lease }),
          bytes: share.bytes,
        } as const
        const res = await net.request(peer, store, options.storeTimeoutMs ? { timeoutMs: options.storeTimeoutMs } : {})
        if (res.status !== 'ok') throw new Error(`${res.status}: ${res.message}`)
        landed.push({ peer, key: share.key })
        holders.set(ref, peer)
        await journal?.landed?.(segment.index, share.shareIndex, peer)
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
    const keys = segment.shares.map((sh) => sh.key)
    const journaled = resume?.encoded.get(segment.index)
    if (journaled) {
      if (journaled.length !== keys.length || keys.some((k, i) => toHex(k) !== journaled[i])) {
        throw new FileChangedError(
          `This is not the file the backup began with: its part ${segment.index + 1} differs. Nothing more was sent. Pick the same file, or discard the interrupted backup and back this file up anew.`,
        )
      }
    } else {
      await journal?.encoded?.(segment.index, keys)
    }
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
    // sit on their hosts with nothing left that could ever delete them. A resumed upload keeps
    // them: its journal names them, for another Resume or a Discard.
    if (resume) {
      if (options.signal?.aborted) throw new CancelledError('The backup was stopped; what it placed is kept, so it can be resumed or discarded.')
      throw err
    }
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

/** A journaled plan, with its loads counted again. */
function resumedPlan(p: ResumeState['plan'], shareSizes: readonly number[]): UploadPlan | undefined {
  if (p.assignments.length !== shareSizes.length) return undefined
  const load = new Map<string, number>()
  p.assignments.forEach((seg, i) => seg.forEach((h) => load.set(h, (load.get(h) ?? 0) + shareSizes[i]!)))
  return { hosts: p.hosts, spares: p.spares, assignments: p.assignments, load, reduced: maxSharesPerHost(p) > 1 }
}
