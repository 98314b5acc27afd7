/**
 * Backing up to and restoring from other tabs: the pipeline's shares placed on the
 * XOR-closest distinct peers that have room (core/placement), sent over /layr/share/2.0.0 in
 * parallel, and fetched back from their recorded holders. Hosts are found with DHT lookups
 * and asked for their free space (STAT) first; a host that fails a store is dropped for the
 * rest of the upload and its shares go to the next closest peer.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import {
  CancelledError,
  LayrError,
  decodeFile,
  encodeFile,
  type EncoderFactory,
  type FetchShare,
  type ShareRef,
  type EncodedSegment,
  type FileManifest,
  type PipelineProgress,
  type RedundancyPolicy,
} from '../core/index.ts'
import { placeSegment, type Candidate } from '../core/placement/index.ts'
import type { BlobLike } from '../core/pipeline/index.ts'
import type { Vault } from '../core/vault/index.ts'
import { closestPeers, discoverPeers, findPeer } from './dht.ts'
import type { PeerNode } from './node.ts'
import { shareRequest } from './share/libp2p.ts'
import { signDelete, signStore } from './share/auth.ts'
import { eachLimited } from './pool.ts'

/** Not enough reachable hosts with room for every share. */
export class PlacementError extends LayrError {
  override readonly name = 'PlacementError'
}

export type BackupProgress =
  | PipelineProgress
  | { readonly type: 'place:hosts'; readonly hosts: number }
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
}

/** Segments being placed at once (their shares go out in parallel). */
const PLACE_AHEAD = 2

/** The peer's Kademlia id, as kad-dht computes it: sha256 of the peer id's multihash. */
function kadId(peer: string): Promise<Uint8Array> {
  return sha256(peerIdFromString(peer).toMultihash().bytes)
}

/**
 * Peers that answer STAT with room, as placement candidates. Looks until `want` hosts answered,
 * or the DHT has nothing new to show (a small network) and at least one host answered, or time
 * is up.
 */
export async function findHosts(node: PeerNode, want: number, timeoutMs: number, signal?: AbortSignal): Promise<Candidate[]> {
  const end = Date.now() + timeoutMs
  const hosts = new Map<string, Candidate>()
  do {
    const peers = await discoverPeers(node, { minPeers: want + 1, timeoutMs: Math.max(1, end - Date.now()), settleRounds: 3, ...(signal ? { signal } : {}) })
    await Promise.all(
      peers
        .filter((p) => !hosts.has(p))
        .map(async (peerId) => {
          try {
            const res = await shareRequest(node, peerId, { type: 'stat' }, { timeoutMs: 10_000, ...(signal ? { signal } : {}) })
            if (res.status !== 'ok' || !res.stat) return
            const free = Math.max(0, res.stat.quota - res.stat.used)
            if (free > 0) hosts.set(peerId, { peerId, kadId: await kadId(peerId), free })
          } catch {
            // not a host (a relay, a client tab) or unreachable
          }
        }),
    )
    if (hosts.size === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 500))
  } while (hosts.size === 0 && Date.now() < end && !signal?.aborted)
  signal?.throwIfAborted()
  return [...hosts.values()]
}

export async function backupFile(node: PeerNode, vault: Vault, file: BlobLike, options: BackupOptions): Promise<FileManifest> {
  const { policy, onProgress } = options
  // Our own abort, linked to the caller's: the first failure stops the other segments' stores.
  const stop = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
  const hosts = await findHosts(node, policy.n, options.discoverMs ?? 15_000, signal)
  onProgress?.({ type: 'place:hosts', hosts: hosts.length })
  // With fewer than n hosts the upload goes ahead with reduced redundancy and says so
  // (place:reduced): one other tab is enough to back up to, which is how Layr starts out.
  if (hosts.length === 0) {
    throw new PlacementError('No other peer with room to host was found. Open Layr in another browser (or ask someone to), leave it open, and try again.')
  }
  const failed = new Set<string>()
  const holders = new Map<string, string>() // "segment/share" → peer
  const storedKeys: Uint8Array[] = [] // the share keys, in the order `holders` got them
  // Free space as the hosts reported it, less what this upload has stored on them since.
  const free = new Map(hosts.map((h) => [h.peerId, h.free]))
  const candidates = (): Candidate[] => hosts.map((h) => ({ ...h, free: free.get(h.peerId)! }))
  const gen = encodeFile(file, policy, vault, {
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
    ...(options.encoder ? { encoder: options.encoder } : {}),
    ...(options.shareSize ? { shareSize: options.shareSize } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
  })
  const placeShares = async (segment: EncodedSegment): Promise<void> => {
    let pending = segment.shares
    for (let attempt = 0; pending.length > 0; attempt++) {
      const targets = await Promise.all(pending.map(async (s) => ({ index: s.shareIndex, key: await sha256(s.key), size: s.bytes.length })))
      const taken = new Set(segment.shares.map((s) => holders.get(`${segment.index}/${s.shareIndex}`)).filter((p): p is string => !!p))
      let plan = placeSegment(targets, candidates().filter((h) => !taken.has(h.peerId)), failed)
      let doubled = false
      if (plan.holders.every((h) => h === undefined)) {
        // No spare host (a store failed and every other host holds a share of this segment):
        // double up on a holder, and say so, rather than fail the backup.
        plan = placeSegment(targets, candidates(), failed)
        doubled = plan.holders.some((h) => h !== undefined)
      }
      if (plan.reduced || doubled || hosts.length - failed.size < policy.n) {
        onProgress?.({ type: 'place:reduced', segmentIndex: segment.index, hosts: hosts.length - failed.size })
      }
      // Reserve the room before the stores go out, so a segment placed alongside sees it taken.
      plan.holders.forEach((peer, i) => peer && free.set(peer, free.get(peer)! - pending[i]!.bytes.length))
      const results = await Promise.all(
        pending.map(async (share, i) => {
          const peer = plan.holders[i]
          if (!peer) return share
          try {
            // A store once sent is let finish (its time limits still apply) rather than aborted:
            // then `holders` knows every share that landed, and a failed or cancelled backup can
            // take them all back.
            signal.throwIfAborted()
            const auth = signStore(vault, share.key, share.bytes.length, peer)
            const res = await shareRequest(node, peer, { type: 'store', key: share.key, root: share.root, ...auth, bytes: share.bytes })
            if (res.status !== 'ok') throw new Error(`${res.status}: ${res.message}`)
            holders.set(`${segment.index}/${share.shareIndex}`, peer)
            storedKeys.push(share.key)
            onProgress?.({ type: 'place:share', segmentIndex: segment.index, shareIndex: share.shareIndex, peer })
            return undefined
          } catch (err) {
            if (signal.aborted) throw err
            failed.add(peer)
            return share
          }
        }),
      )
      pending = results.filter((s): s is NonNullable<typeof s> => s !== undefined)
      if (pending.length > 0 && (attempt >= 3 || plan.holders.every((h) => h === undefined))) {
        throw new PlacementError(`Segment ${segment.index}: ${pending.length} share(s) found no host that would take them. Wait for more hosts, or free space.`)
      }
    }
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
      inflight.push(placeShares(segment).finally(() => segment.release()))
      if (inflight.length >= (options.placeAhead ?? PLACE_AHEAD)) await inflight.shift()
    }
    while (inflight.length > 0) await inflight.shift()
  } catch (err) {
    stop.abort(err)
    await gen.return(undefined as never).catch(() => {})
    await Promise.allSettled(inflight)
    // Shares already stored belong to no manifest: take them back (best effort), or they would
    // sit on their hosts with nothing left that could ever delete them.
    await deleteSigned(node, vault, [...holders].map(([, peer], i) => ({ peer, key: storedKeys[i]! })))
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

/** Errors that mean "could not reach the peer" (as opposed to a peer that answered). */
const UNREACHABLE = new Set(['PeerUnreachableError', 'PeerNotFoundError', 'NetworkFailureError', 'StreamInterruptedError'])

/**
 * A FetchShare that asks the manifest's holders first. When a holder cannot be reached at the
 * addresses this tab knows, it is looked up in the DHT (its tab may have come back through
 * another relay) and asked once more; when no holder has the share, the peers closest to the
 * share's DHT key are asked, which is where placement and repair put shares.
 */
export function fetchFromHolders(
  node: PeerNode,
  signal?: AbortSignal,
  options: {
    /** Which peer's bytes were handed to the decoder for a share (to name a host whose bytes fail their root). */
    onAnswer?: (ref: ShareRef, peer: string) => void
  } = {},
): FetchShare {
  const ask = async (peer: string, key: Uint8Array): Promise<Uint8Array | undefined> => {
    const res = await shareRequest(node, peer, { type: 'fetch', key }, { ...(signal ? { signal } : {}), timeoutMs: 30_000 })
    return res.status === 'ok' && res.bytes ? res.bytes : undefined
  }
  return async (ref) => {
    let lastError: unknown
    const tried = new Set<string>()
    // `relookup` is true for recorded holders; their errors are the ones worth reporting (peers
    // tried on the DHT fallback may simply not be hosts, like the relays).
    const attempt = async (peer: string, relookup: boolean): Promise<Uint8Array | undefined> => {
      tried.add(peer)
      try {
        const bytes = await ask(peer, ref.key)
        if (bytes) options.onAnswer?.(ref, peer)
        return bytes
      } catch (err) {
        signal?.throwIfAborted()
        if (relookup) lastError = err
        // Only a peer we could not reach is looked up again; a slow answer (NetworkTimeoutError)
        // is not a reason to drop a connection other requests are using.
        if (!relookup || !UNREACHABLE.has((err as Error).name)) return undefined
      }
      try {
        // The connection may be a dead one not yet noticed (the host reloaded): drop it, look the
        // peer up again, and dial afresh.
        await node.hangUp(peerIdFromString(peer)).catch(() => {})
        await findPeer(node, peer, { timeoutMs: 5000, ...(signal ? { signal } : {}) })
        const bytes = await ask(peer, ref.key)
        if (bytes) options.onAnswer?.(ref, peer)
        return bytes
      } catch (err) {
        signal?.throwIfAborted()
        lastError = err
        return undefined
      }
    }
    for (const peer of ref.holders) {
      const bytes = await attempt(peer, true)
      if (bytes) return bytes
    }
    let near: string[] = []
    try {
      near = await closestPeers(node, await sha256(ref.key), { timeoutMs: 8000, ...(signal ? { signal } : {}) })
    } catch {
      signal?.throwIfAborted()
    }
    for (const peer of near.filter((p) => !tried.has(p)).slice(0, 4)) {
      const bytes = await attempt(peer, false)
      if (bytes) return bytes
    }
    if (lastError) throw lastError
    return undefined
  }
}

export interface DeleteProgress {
  readonly type: 'remove:share'
  readonly done: number
  readonly total: number
}

/** Signed deletes of shares at their hosts, 8 at a time; `not-found` counts as deleted. */
async function deleteSigned(
  node: PeerNode,
  vault: Vault,
  jobs: ReadonlyArray<{ readonly peer: string; readonly key: Uint8Array }>,
  onProgress?: (e: DeleteProgress) => void,
): Promise<{ deleted: number; unreachable: number }> {
  let deleted = 0
  let done = 0
  await eachLimited(jobs, 8, async ({ peer, key }) => {
    try {
      const res = await shareRequest(node, peer, { type: 'delete', key, ...signDelete(vault, key, peer) }, { timeoutMs: 15_000 })
      if (res.status === 'ok' || res.status === 'not-found') deleted++
    } catch {
      // unreachable: counted below
    }
    onProgress?.({ type: 'remove:share', done: ++done, total: jobs.length })
  })
  return { deleted, unreachable: jobs.length - deleted }
}

/** Asks every holder of the manifest's shares to delete them, signed by the owner. */
export function deleteShares(
  node: PeerNode,
  vault: Vault,
  manifest: FileManifest,
  options: { onProgress?: (e: DeleteProgress) => void } = {},
): Promise<{ deleted: number; unreachable: number }> {
  const jobs = manifest.segments.flatMap((seg) => seg.shares.flatMap((sh) => sh.holders.map((peer) => ({ peer, key: sh.key }))))
  return deleteSigned(node, vault, jobs, options.onProgress)
}

/**
 * How many shares of each segment answer: each holder is asked for the first 32 bytes of its
 * share (the spot-check audits of issue 5 replace this with Merkle proofs). Returns the
 * fewest live shares of any segment.
 */
export async function probeShares(node: PeerNode, manifest: FileManifest): Promise<number> {
  const live = manifest.segments.map(() => 0)
  const jobs = manifest.segments.flatMap((seg) => seg.shares.map((sh) => ({ seg: seg.index, peer: sh.holders[0], key: sh.key })))
  await eachLimited(jobs, 8, async ({ seg, peer, key }) => {
    if (!peer) return
    try {
      const res = await shareRequest(node, peer, { type: 'fetch', key, range: { offset: 0, length: 32 } }, { timeoutMs: 10_000 })
      if (res.status === 'ok' && res.bytes?.length === 32) live[seg]!++
    } catch {
      // not live
    }
  })
  return live.length === 0 ? 0 : Math.min(...live)
}

export function restoreFile(
  node: PeerNode,
  vault: Vault,
  manifest: FileManifest,
  options: { onProgress?: (e: PipelineProgress) => void; signal?: AbortSignal; onAnswer?: (ref: ShareRef, peer: string) => void } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const fetch = fetchFromHolders(node, options.signal, options.onAnswer ? { onAnswer: options.onAnswer } : {})
  return decodeFile(manifest, vault, fetch, options)
}

async function sha256(b: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(b)))
}
