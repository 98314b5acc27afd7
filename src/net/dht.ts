/** DHT lookups with the time limits and retries a fresh network needs (see FINDINGS.md). */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerNode } from './node.ts'
import { InvalidAddressError, PeerNotFoundError, toNetworkError } from './errors.ts'

export interface LookupOptions {
  readonly signal?: AbortSignal
  /** Time limit of the whole lookup. */
  readonly timeoutMs?: number
}

function lookupSignal(options: LookupOptions, fallbackMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? fallbackMs)
  return options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
}

/**
 * The peers the DHT finds closest to `key` (peer ids, nearest first as the DHT reports them),
 * without ourselves. Peers that did not answer are left out, so a caller that needs many peers
 * should retry: the first round on fresh WebRTC connections loses some answers.
 */
export async function closestPeers(node: PeerNode, key: Uint8Array, options: LookupOptions = {}): Promise<string[]> {
  const signal = lookupSignal(options, 20_000)
  const self = node.peerId.toString()
  const found: string[] = []
  try {
    for await (const event of node.services.dht.getClosestPeers(key, { signal })) {
      if (event.name === 'FINAL_PEER') {
        const id = event.peer.id.toString()
        if (id !== self && !found.includes(id)) found.push(id)
      }
    }
  } catch (err) {
    throw toNetworkError(err, { op: 'finding the closest peers', signal: options.signal })
  }
  return found
}

/** The multiaddrs of a peer, found through the DHT. Throws PeerNotFoundError. */
export async function findPeer(node: PeerNode, peer: string | PeerId, options: LookupOptions = {}): Promise<string[]> {
  let id: PeerId
  try {
    id = typeof peer === 'string' ? peerIdFromString(peer) : peer
  } catch (err) {
    throw new InvalidAddressError(`"${String(peer)}" is not a peer id.`, { cause: err })
  }
  const signal = lookupSignal(options, 20_000)
  try {
    for await (const event of node.services.dht.findPeer(id, { signal })) {
      if (event.name === 'FINAL_PEER' && event.peer.id.equals(id) && event.peer.multiaddrs.length > 0) {
        return event.peer.multiaddrs.map((ma) => ma.toString())
      }
    }
  } catch (err) {
    throw toNetworkError(err, { op: 'looking up a peer', peer: id.toString(), signal: options.signal })
  }
  throw new PeerNotFoundError(`The DHT does not know peer ${id.toString()}: its tab may be closed.`)
}

/**
 * Distinct peers the DHT can reach, from repeated lookups of random keys, until `minPeers` have
 * answered or time is up (then it returns what it has; check the length). Lookups on fresh
 * WebRTC connections lose answers (a stream dies or waits out kad-dht's 5 s RPC timeout), so a
 * single lookup undercounts a young network; repeating converges within a few rounds.
 */
export async function discoverPeers(
  node: PeerNode,
  options: LookupOptions & {
    readonly minPeers: number
    readonly roundTimeoutMs?: number
    /** Stop early after this many rounds in a row found no new peer (a small network is all found). */
    readonly settleRounds?: number
  },
): Promise<string[]> {
  const end = Date.now() + (options.timeoutMs ?? 30_000)
  const seen = new Set<string>()
  let quiet = 0
  while (seen.size < options.minPeers && Date.now() < end && (options.settleRounds === undefined || quiet < options.settleRounds)) {
    const before = seen.size
    options.signal?.throwIfAborted()
    const key = crypto.getRandomValues(new Uint8Array(32))
    const roundMs = Math.min(options.roundTimeoutMs ?? 10_000, Math.max(1, end - Date.now()))
    try {
      for (const id of await closestPeers(node, key, { signal: options.signal, timeoutMs: roundMs })) seen.add(id)
      quiet = seen.size > before || seen.size === 0 ? 0 : quiet + 1
    } catch (err) {
      if ((err as Error).name === 'CancelledError') throw err
      // a lost round: try another key
    }
  }
  return [...seen]
}
