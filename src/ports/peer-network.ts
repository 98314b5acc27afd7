/**
 * PeerNetwork: what the owner's side needs of the network, in two calls — find the peers
 * closest to a key, and send one share-protocol request to a peer and get its typed answer.
 * Adapters: libp2p (net/peer-network.ts) and an in-memory grid of real hosts (testing/grid.ts),
 * so record sync (and, next, upload, restore, audits and repair) runs in unit tests against
 * hosts that hang, refuse or lie.
 */
import type { ShareRequest, ShareResponse } from '../net/share/messages.ts'

export interface RequestOptions {
  readonly signal?: AbortSignal
  readonly timeoutMs?: number
}

export interface PeerNetwork {
  /** Peer ids closest to `key` in the DHT, nearest first, without this peer. */
  closestPeers(key: Uint8Array, options?: RequestOptions): Promise<string[]>
  /** One request to `peer`'s share host. Network failures are typed NetworkErrors; a peer's bad answer is a ProtocolError. */
  request(peer: string, req: ShareRequest, options?: RequestOptions): Promise<ShareResponse>
}
