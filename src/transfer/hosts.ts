import { CHOICES, MAX_PLAN_HOSTS, type Candidate } from '../core/placement/index.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'

/**
 * Peers that answer STAT with room, as placement candidates, with what their STAT says of load,
 * price, persistence and kind (the plan weighs them: core/placement/rank.ts). Looks for
 * CHOICES × `want` peers (at most MAX_PLAN_HOSTS), so that the plan can choose among the nearest
 * instead of taking the first `want`; stops when that many are known, or the network has nothing
 * new to show (a small network) and at least one host answered, or time is up.
 */
export async function findHosts(net: PeerNetwork, want: number, timeoutMs: number, signal?: AbortSignal): Promise<Candidate[]> {
  const end = Date.now() + timeoutMs
  const hosts = new Map<string, Candidate>()
  const sig = signal ? { signal } : {}
  const look = Math.max(want, Math.min(MAX_PLAN_HOSTS, CHOICES * want))
  do {
    const peers = await net.discoverPeers({ minPeers: look + 1, timeoutMs: Math.max(1, end - Date.now()), settleRounds: 3, ...sig })
    await Promise.all(
      peers
        .filter((p) => !hosts.has(p))
        .map(async (peerId) => {
          try {
            const res = await net.request(peerId, { type: 'stat' }, { timeoutMs: 10_000, ...sig })
            if (res.status !== 'ok' || !res.stat) return
            const { stat } = res
            const free = Math.max(0, stat.room ?? stat.quota - stat.used)
            if (free <= 0) return
            hosts.set(peerId, {
              peerId,
              kadId: await net.kadId(peerId),
              free,
              used: stat.used,
              quota: stat.quota,
              // A price is only payable with an account to pay (STAT sends both or neither).
              ...(stat.price && stat.account ? { price: stat.price, account: stat.account } : {}),
              ...(stat.persistent !== undefined ? { persistent: stat.persistent } : {}),
              ...(stat.kind !== undefined ? { kind: stat.kind } : {}),
            })
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
