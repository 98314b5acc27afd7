/**
 * Manifest records on the network: an owner's records are kept by the peers closest to
 * recordsKey(owner) in the DHT, so any device that holds the vault can find them again by the
 * same lookup. Writers put each record on up to `copies` of those peers; readers ask the
 * closest peers for their lists, fetch what is newer than what they have, check every
 * signature, and keep the highest revision of each file.
 */
import { equal } from '../core/bytes.ts'
import { mergeRecords, recordId, recordsKey, verifyRecord, type ManifestRecord } from '../core/records/index.ts'
import { closestPeers } from './dht.ts'
import type { PeerNode } from './node.ts'
import { shareRequest } from './share/libp2p.ts'

export interface PublishResult {
  /** Peers that now keep the record (or a newer one). */
  readonly peers: readonly string[]
  /** Peers that refused or could not be reached, with why. */
  readonly failures: ReadonlyArray<{ readonly peer: string; readonly reason: string }>
}

/** The peers that keep (or should keep) an owner's records, closest first. */
export async function recordPeers(node: PeerNode, owner: Uint8Array, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string[]> {
  const key = recordsKey(owner)
  let peers: string[] = []
  // The first lookup on fresh connections loses answers (FINDINGS); a second one fills in.
  for (let round = 0; round < 2 && peers.length < 3; round++) {
    try {
      const found = await closestPeers(node, key, { ...options, timeoutMs: options.timeoutMs ?? 10_000 })
      peers = [...new Set([...peers, ...found])]
    } catch (err) {
      if ((err as Error).name === 'CancelledError') throw err
    }
  }
  return peers
}

export async function publishRecord(
  node: PeerNode,
  record: ManifestRecord,
  options: { copies?: number; signal?: AbortSignal; peers?: readonly string[] } = {},
): Promise<PublishResult> {
  const copies = options.copies ?? 5
  const candidates = options.peers ?? (await recordPeers(node, record.owner, options.signal ? { signal: options.signal } : {}))
  const peers: string[] = []
  const failures: Array<{ peer: string; reason: string }> = []
  // In waves of `copies`, closest first, until enough peers keep it.
  for (let i = 0; i < candidates.length && peers.length < copies; ) {
    const wave = candidates.slice(i, i + copies - peers.length)
    i += wave.length
    await Promise.all(
      wave.map(async (peer) => {
        try {
          const res = await shareRequest(node, peer, { type: 'record-put', record }, { timeoutMs: 20_000, ...(options.signal ? { signal: options.signal } : {}) })
          if (res.status === 'ok') peers.push(peer)
          else failures.push({ peer, reason: `${res.status}: ${res.message}` })
        } catch (err) {
          failures.push({ peer, reason: (err as Error).message })
        }
      }),
    )
  }
  return { peers, failures }
}

/**
 * This owner's records as the network keeps them (signatures checked, newest revision per file).
 * `known` are records already held: only newer ones are fetched.
 */
export async function fetchRecords(
  node: PeerNode,
  owner: Uint8Array,
  known: readonly ManifestRecord[] = [],
  options: { signal?: AbortSignal } = {},
): Promise<{ records: ManifestRecord[]; peersAsked: number; peersAnswered: number }> {
  const peers = await recordPeers(node, owner, options)
  const have = new Map(known.map((r) => [recordId(r.owner, r.fileId), r.revision]))
  const fetched: ManifestRecord[] = []
  let answered = 0
  await Promise.all(
    peers.map(async (peer) => {
      try {
        const list = await shareRequest(node, peer, { type: 'record-list', owner }, { timeoutMs: 15_000, ...options })
        if (list.status !== 'ok') return
        answered++
        for (const e of list.entries ?? []) {
          const id = recordId(owner, e.fileId)
          if ((have.get(id) ?? -1) >= e.revision) continue
          have.set(id, e.revision) // ask one peer per newer revision
          const got = await shareRequest(node, peer, { type: 'record-get', owner, fileId: e.fileId }, { timeoutMs: 20_000, ...options })
          const r = got.status === 'ok' ? got.record : undefined
          if (r && equal(r.owner, owner) && equal(r.fileId, e.fileId) && verifyRecord(r)) fetched.push(r)
          else have.delete(id) // a lying or failing peer: let another one answer
        }
      } catch {
        // unreachable peers and relays are skipped
      }
    }),
  )
  return { records: mergeRecords(known, fetched), peersAsked: peers.length, peersAnswered: answered }
}

