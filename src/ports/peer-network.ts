/**
 * PeerNetwork: what the owner's side needs of the network — find peers (any, or those closest to
 * a key), send one share-protocol request to a peer and get its typed answer, and look a peer up
 * again when its connection has gone stale. Adapters: libp2p (net/peer-network.ts) and an
 * in-memory grid of real hosts (testing/grid.ts), so upload, restore, delete, audit, repair and record
 * sync (transfer/) run in unit tests against hosts that hang, refuse or lie.
 */
import type { ShareRequest, ShareResponse } from '../net/share/messages.ts'

export interface RequestOptions {
  readonly signal?: AbortSignal
  /** How long each wait for the peer may last (a peer that stops sending; a large body may take longer in all). */
  readonly timeoutMs?: number
  /** How long the whole answer may take, from when the request was sent (audits: a late answer is a failed one). */
  readonly deadlineMs?: number
}

export interface DiscoverOptions extends RequestOptions {
  /** Stop once this many peers are known. */
  readonly minPeers?: number
  /** Stop when this many lookups in a row found no one new (a small network is all found). */
  readonly settleRounds?: number
}

export interface PeerNetwork {
  /** Peers this side can find, without itself (relays and client tabs among them: ask them STAT). */
  discoverPeers(options?: DiscoverOptions): Promise<string[]>
  /** Peer ids closest to `key` in the DHT, nearest first, without this peer. */
  closestPeers(key: Uint8Array, options?: RequestOptions): Promise<string[]>
  /** One request to `peer`'s share host. Network failures are typed NetworkErrors; a peer's bad answer is a ProtocolError. */
  request(peer: string, req: ShareRequest, options?: RequestOptions): Promise<ShareResponse>
  /** Forgets how `peer` was reached and looks it up again (its tab may be back, through another relay). */
  relocate(peer: string, options?: RequestOptions): Promise<void>
  /** The peer's position in the DHT's key space (compared by XOR with keys). */
  kadId(peer: string): Promise<Uint8Array>
}
