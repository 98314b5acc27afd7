/**
 * Manifest records on the network: an owner's records are kept by the peers closest to
 * recordsKey(owner) in the DHT, so any device that holds the vault can find them again by the
 * same lookup. Writers put each record on up to `copies` of those peers; readers ask the
 * closest peers for their lists, fetch what is newer than what they have, check every
 * signature, and keep the highest revision of each file.
 */
import { equal, fromHex, toHex } from '../core/bytes.ts'
import { LayrError } from '../core/errors.ts'
import { mergeRecords, recordsKey, verifyRecord, type ManifestRecord } from '../core/records/index.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { signReadRecords } from '../net/share/auth.ts'
import type { Vault } from '../core/vault/index.ts'
import { eachLimited } from './pool.ts'

export interface PublishResult {
  /** Peers that now keep the record (or a newer one). */
  readonly peers: readonly string[]
  /** Peers that refused or could not be reached, with why. */
  readonly failures: ReadonlyArray<{ readonly peer: string; readonly reason: string }>
}

/** The peers that keep (or should keep) an owner's records, closest first. */
export async function recordPeers(net: PeerNetwork, owner: Uint8Array, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string[]> {
  const key = recordsKey(owner)
  let peers: string[] = []
  // The first lookup on fresh connections loses answers (FINDINGS); a second one fills in.
  for (let round = 0; round < 2 && peers.length < 3; round++) {
    try {
      const found = await net.closestPeers(key, { ...options, timeoutMs: options.timeoutMs ?? 10_000 })
      peers = [...new Set([...peers, ...found])]
    } catch (err) {
      if ((err as Error).name === 'CancelledError') throw err
    }
  }
  return peers
}

export async function publishRecord(
  net: PeerNetwork,
  record: ManifestRecord,
  options: { copies?: number; signal?: AbortSignal; peers?: readonly string[] } = {},
): Promise<PublishResult> {
  const copies = options.copies ?? 5
  const candidates = options.peers ?? (await recordPeers(net, record.owner, options.signal ? { signal: options.signal } : {}))
  const peers: string[] = []
  const failures: Array<{ peer: string; reason: string }> = []
  // In waves of `copies`, closest first, until enough peers keep it.
  for (let i = 0; i < candidates.length && peers.length < copies;) {
    const wave = candidates.slice(i, i + copies - peers.length)
    i += wave.length
    await Promise.all(
      wave.map(async (peer) => {
        try {
          const res = await net.request(peer, { type: 'record-put', record }, { timeoutMs: 20_000, ...(options.signal ? { signal: options.signal } : {}) })
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

/** No peer that keeps records answered: the file list could not be checked against the network. */
export class RecordsUnavailableError extends LayrError {
  override readonly name = 'RecordsUnavailableError'
}

const LIST_TIMEOUT_MS = 10_000
const GET_TIMEOUT_MS = 15_000
/** Files fetched at once during a sync. */
const GET_CONCURRENCY = 6

export interface SyncResult {
  /** Local and network records merged (newest revision of each file), signatures checked. */
  readonly records: ManifestRecord[]
  readonly peersAsked: number
  readonly peersAnswered: number
  /** Local records pushed to record peers that lacked them or held an older revision. */
  readonly republished: number
}

/**
 * Brings this owner's records and the network's together. Every record peer is asked for its
 * list (signed by the owner: hosts answer no one else), with a time limit. A removed file's
 * line carries its tombstone's signature, so a tombstone is taken from the list itself and
 * cannot be held back by a peer that then fails to answer; once any peer proves a removal, no
 * live record of that file is accepted. For each other file newer than what is `known`, peers
 * are asked in descending order of the revision they advertised, and an answer counts only when
 * its signature verifies and its revision is at least the one advertised (a peer cannot pass
 * off an old revision). A peer that answers wrongly once is not asked again. Then every record
 * this side holds that a peer lacks (or holds older) is pushed to it, so manifests stay on the
 * network as record peers come and go. RecordsUnavailableError when no record peer answered.
 */
export async function syncRecords(
  net: PeerNetwork,
  vault: Vault,
  known: readonly ManifestRecord[] = [],
  options: { signal?: AbortSignal; republish?: (r: ManifestRecord) => boolean; timeoutMs?: number } = {},
): Promise<SyncResult> {
  const owner = vault.ownerPublicKey
  const sig = options.signal ? { signal: options.signal } : {}
  const listTimeoutMs = options.timeoutMs ?? LIST_TIMEOUT_MS
  const getTimeoutMs = options.timeoutMs ?? GET_TIMEOUT_MS
  const peers = await recordPeers(net, owner, sig)
  const lists = new Map<string, Map<string, number>>() // peer → fileIdHex → revision
  const liars = new Set<string>()
  const fetched: ManifestRecord[] = []
  await Promise.all(
    peers.map(async (peer) => {
      try {
        const res = await net.request(peer, { type: 'record-list', ...signReadRecords(vault, peer) }, { timeoutMs: listTimeoutMs, ...sig })
        if (res.status !== 'ok') return
        const list = new Map<string, number>()
        for (const e of res.entries ?? []) {
          list.set(toHex(e.fileId), e.revision)
          if (!e.tombstone) continue
          const tombstone = { owner, fileId: e.fileId, revision: e.revision, sealed: new Uint8Array(0), signature: e.tombstone }
          if (verifyRecord(tombstone)) fetched.push(tombstone)
          else liars.add(peer)
        }
        lists.set(peer, list)
      } catch {
        // unreachable peers and relays are skipped
      }
    }),
  )
  options.signal?.throwIfAborted()
  if (lists.size === 0) {
    throw new RecordsUnavailableError(
      peers.length === 0
        ? 'No peer keeping file lists could be found yet. Wait a few seconds for the network to fill in, then look again.'
        : `None of the ${peers.length} peers asked answered with a file list. Wait a moment and look again.`,
    )
  }
  const have = new Map(known.map((r) => [toHex(r.fileId), r.revision]))
  for (const t of mergeRecords(fetched)) if ((have.get(toHex(t.fileId)) ?? -1) < t.revision) have.set(toHex(t.fileId), t.revision)
  const wanted = new Map<string, Array<{ peer: string; revision: number }>>()
  for (const [peer, list] of lists) {
    for (const [file, revision] of list) {
      if ((have.get(file) ?? -1) >= revision) continue
      wanted.set(file, [...(wanted.get(file) ?? []), { peer, revision }])
    }
  }
  await eachLimited([...wanted], GET_CONCURRENCY, async ([file, offers]) => {
    const fileId = fromHex(file)
    for (const { peer, revision } of offers.sort((a, b) => b.revision - a.revision)) {
      if (liars.has(peer) || (have.get(file) ?? -1) >= revision) continue
      try {
        const got = await net.request(peer, { type: 'record-get', fileId, ...signReadRecords(vault, peer) }, { timeoutMs: getTimeoutMs, ...sig })
        const r = got.status === 'ok' ? got.record : undefined
        if (r && equal(r.owner, owner) && equal(r.fileId, fileId) && r.revision >= revision && verifyRecord(r)) {
          fetched.push(r)
          have.set(file, r.revision)
          return
        }
        liars.add(peer)
      } catch {
        options.signal?.throwIfAborted()
        liars.add(peer) // a peer that stalls is not waited for twice
      }
    }
  })
  const records = mergeRecords(known, fetched)

  // Push what a peer lacks or holds older (at most `copies` of each is the publisher's aim; here
  // every answering record peer is topped up, which is what keeps the set alive as peers churn).
  let republished = 0
  const pushes: Array<Promise<void>> = []
  for (const r of records) {
    if (options.republish && !options.republish(r)) continue
    const file = toHex(r.fileId)
    for (const [peer, list] of lists) {
      if (liars.has(peer) || (list.get(file) ?? -1) >= r.revision) continue
      pushes.push(
        net
          .request(peer, { type: 'record-put', record: r }, { timeoutMs: getTimeoutMs, ...sig })
          .then((res) => void (res.status === 'ok' && republished++))
          .catch(() => {}),
      )
    }
  }
  await Promise.all(pushes)
  return { records, peersAsked: peers.length, peersAnswered: lists.size, republished }
}
