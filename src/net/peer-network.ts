import type { PeerNetwork } from '../ports/peer-network.ts'
import { closestPeers } from './dht.ts'
import type { PeerNode } from './node.ts'
import { shareRequest } from './share/libp2p.ts'

/** The PeerNetwork port over this tab's libp2p node. */
export function libp2pNetwork(node: PeerNode): PeerNetwork {
  return {
    closestPeers: (key, options = {}) => closestPeers(node, key, options),
    request: (peer, req, options = {}) => shareRequest(node, peer, req, options),
  }
}
