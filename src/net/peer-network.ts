import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { closestPeers, discoverPeers, findPeer } from './dht.ts'
import type { PeerNode } from './node.ts'
import { shareRequest } from './share/libp2p.ts'

/** The PeerNetwork port over this tab's libp2p node. */
export function libp2pNetwork(node: PeerNode): PeerNetwork {
  return {
    discoverPeers: (options = {}) => discoverPeers(node, { ...options, minPeers: options.minPeers ?? 1 }),
    closestPeers: (key, options = {}) => closestPeers(node, key, options),
    request: (peer, req, options = {}) => shareRequest(node, peer, req, options),
    async relocate(peer, options = {}) {
      // The connection may be a dead one not yet noticed (the host reloaded): drop it, look the
      // peer up again, and the next request dials afresh.
      await node.hangUp(peerIdFromString(peer)).catch(() => {})
      await findPeer(node, peer, { timeoutMs: options.timeoutMs ?? 5000, ...(options.signal ? { signal: options.signal } : {}) })
    },
    // As kad-dht computes it: sha256 of the peer id's multihash.
    kadId: async (peer) => new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(peerIdFromString(peer).toMultihash().bytes))),
  }
}
