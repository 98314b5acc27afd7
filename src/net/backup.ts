/**
 * Backing up to and restoring from other tabs: the pipeline's shares placed on the
 * XOR-closest distinct peers that have room (core/placement), sent over /layr/share/1.0.0 in
 * parallel, and fetched back from their recorded holders. Hosts are found with DHT lookups
 * and asked for their free space (STAT) first; a host that fails a store is dropped for the
 * rest of the upload and its shares go to the next closest peer.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import {
  LayrError,
  decodeFile,
  encodeFile,
  type EncoderFactory,
  type FetchShare,
  type FileManifest,
  type PipelineProgress,
  type RedundancyPolicy,
} from '../core/index.ts'
import { placeSegment, type Candidate } from '../core/placement/index.ts'
import type { BlobLike } from '../core/pipeline/index.ts'
import type { Vault } from '../core/vault/index.ts'
import { discoverPeers } from './dht.ts'
import type { PeerNode } from './node.ts'
import { shareRequest } from './share/libp2p.ts'

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
  /** How long to look for hosts. */
  readonly discoverMs?: number
}

/** The peer's Kademlia id, as kad-dht computes it: sha256 of the peer id's multihash. */
function kadId(peer: string): Promise<Uint8Array> {
  return sha256(peerIdFromString(peer).toMultihash().bytes)
}

/** Peers that answer STAT with room, as placement candidates. */
export async function findHosts(node: PeerNode, want: number, timeoutMs: number, signal?: AbortSignal): Promise<Candidate[]> {
  const peers = await discoverPeers(node, { minPeers: want + 1, timeoutMs, ...(signal ? { signal } : {}) })
  const answers = await Promise.all(
    peers.map(async (peerId): Promise<Candidate | undefined> => {
      try {
        const res = await shareRequest(node, peerId, { type: 'stat' }, { timeoutMs: 10_000 })
        if (res.status !== 'ok' || !res.stat) return undefined
        return { peerId, kadId: await kadId(peerId), free: Math.max(0, res.stat.quota - res.stat.used) }
      } catch {
        return undefined // not a host (a relay, a client tab) or unreachable
      }
    }),
  )
  return answers.filter((c): c is Candidate => c !== undefined && c.free > 0)
}

export async function backupFile(node: PeerNode, vault: Vault, file: BlobLike, options: BackupOptions): Promise<FileManifest> {
  const { policy, onProgress, signal } = options
  const hosts = await findHosts(node, policy.n, options.discoverMs ?? 15_000, signal)
  onProgress?.({ type: 'place:hosts', hosts: hosts.length })
  if (hosts.length < policy.k + 1) {
    throw new PlacementError(
      `Only ${hosts.length} host(s) with room were found; at least ${policy.k + 1} are needed for k = ${policy.k}. Wait for more tabs to join, or lower k.`,
    )
  }
  const failed = new Set<string>()
  const holders = new Map<string, string>() // "segment/share" → peer
  // Free space as the hosts reported it, less what this upload has stored on them since.
  const free = new Map(hosts.map((h) => [h.peerId, h.free]))
  const candidates = (): Candidate[] => hosts.map((h) => ({ ...h, free: free.get(h.peerId)! }))
  const gen = encodeFile(file, policy, vault, {
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
    ...(options.encoder ? { encoder: options.encoder } : {}),
    ...(options.shareSize ? { shareSize: options.shareSize } : {}),
  })
  let manifest: FileManifest | undefined
  for (let r = await gen.next(); ; r = await gen.next()) {
    if (r.done) {
      manifest = r.value
      break
    }
    const segment = r.value
    let pending = segment.shares
    for (let attempt = 0; pending.length > 0; attempt++) {
      const targets = await Promise.all(pending.map(async (s) => ({ index: s.shareIndex, key: await sha256(s.key), size: s.bytes.length })))
      const taken = new Set(segment.shares.map((s) => holders.get(`${segment.index}/${s.shareIndex}`)).filter((p): p is string => !!p))
      const plan = placeSegment(targets, candidates().filter((h) => !taken.has(h.peerId)), failed)
      if (plan.reduced || hosts.length - failed.size < policy.n) {
        onProgress?.({ type: 'place:reduced', segmentIndex: segment.index, hosts: hosts.length - failed.size })
      }
      const results = await Promise.all(
        pending.map(async (share, i) => {
          const peer = plan.holders[i]
          if (!peer) return share
          try {
            const res = await shareRequest(node, peer, { type: 'store', key: share.key, root: share.root, owner: vault.ownerPublicKey, bytes: share.bytes }, signal ? { signal } : {})
            if (res.status !== 'ok') throw new Error(`${res.status}: ${res.message}`)
            holders.set(`${segment.index}/${share.shareIndex}`, peer)
            free.set(peer, free.get(peer)! - share.bytes.length)
            onProgress?.({ type: 'place:share', segmentIndex: segment.index, shareIndex: share.shareIndex, peer })
            return undefined
          } catch {
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
    segment.release()
  }
  return {
    ...manifest,
    segments: manifest.segments.map((seg) => ({
      ...seg,
      shares: seg.shares.map((sh) => ({ ...sh, holders: [holders.get(`${seg.index}/${sh.index}`)!] })),
    })),
  }
}

/** A FetchShare that asks the manifest's holders, in order. */
export function fetchFromHolders(node: PeerNode, signal?: AbortSignal): FetchShare {
  return async (ref) => {
    let lastError: unknown
    for (const peer of ref.holders) {
      try {
        const res = await shareRequest(node, peer, { type: 'fetch', key: ref.key }, { ...(signal ? { signal } : {}), timeoutMs: 30_000 })
        if (res.status === 'ok' && res.bytes) return res.bytes
      } catch (err) {
        lastError = err
      }
    }
    if (lastError) throw lastError
    return undefined
  }
}

export function restoreFile(
  node: PeerNode,
  vault: Vault,
  manifest: FileManifest,
  options: { onProgress?: (e: PipelineProgress) => void; signal?: AbortSignal } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  return decodeFile(manifest, vault, fetchFromHolders(node, options.signal), options)
}

async function sha256(b: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(b)))
}
