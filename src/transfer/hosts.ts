import type { Candidate } from '../core/placement/index.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'

/**
 * Peers that answer STAT with room, as placement candidates. Looks until `want` hosts answered,
 * or the network has nothing new to show (a small network) and at least one host answered, or
 * time is up.
 */
export async function findHosts(net: PeerNetwork, want: number, timeoutMs: number, signal?: AbortSignal): Promise<Candidate[]> {
  const end = Date.now() + timeoutMs
  const hosts = new Map<string, Candidate>()
  const sig = signal ? { signal } : {}
  do {
    const peers = await net.discoverPeers({ minPeers: want + 1, timeoutMs: Math.max(1, end - Date.now()), settleRounds: 3, ...sig })
    await Promise.all(
      peers
        .filter((p) => !hosts.has(p))
        .map(async (peerId) => {
          try {
            const res = await net.request(peerId, { type: 'stat' }, { timeoutMs: 10_000, ...sig })
            if (res.status !== 'ok' || !res.stat) return
            const free = Math.max(0, res.stat.room ?? res.stat.quota - res.stat.used)
            const { price, account } = res.stat
            if (free > 0) hosts.set(peerId, { peerId, kadId: await net.kadId(peerId), free, ...(price && account ? { price, account } : {}) })
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
