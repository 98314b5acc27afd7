/** What the Network view shows, and waits the tests and the app use. */
import { RELAY_V2_HOP_CODEC } from '@libp2p/circuit-relay-v2'
import { closedWithError, isAnnounceable, relayKeeper, type ClosedConnection, type PeerNode } from './node.ts'
import { NetworkTimeoutError, toNetworkError } from './errors.ts'

export interface ConnectionInfo {
  readonly peerId: string
  readonly remoteAddr: string
  /** 'webrtc' (direct tab-to-tab), 'relayed' (signalling via a relay), 'websocket' (to a relay). */
  readonly kind: 'webrtc' | 'relayed' | 'websocket' | 'other'
  readonly direction: 'inbound' | 'outbound'
  readonly rttMs: number | undefined
}

export interface NetworkStatus {
  readonly peerId: string
  /** Our dialable /p2p-circuit/webrtc addresses (empty until a relay reservation). */
  readonly addresses: readonly string[]
  readonly relays: {
    readonly targets: readonly string[]
    readonly connected: readonly string[]
    readonly failures: number
    readonly lastError: string | undefined
  }
  readonly connections: readonly ConnectionInfo[]
  readonly dhtRoutingTableSize: number
  /** The last connections that closed with an error. */
  readonly closedWithError: readonly ClosedConnection[]
}

export function circuitAddresses(node: PeerNode): string[] {
  return node
    .getMultiaddrs()
    .filter(isAnnounceable)
    .map((ma) => ma.toString())
}

export function connectionKind(conn: { remoteAddr: { toString(): string }; limits?: unknown; direct?: boolean }): ConnectionInfo['kind'] {
  const addr = conn.remoteAddr.toString()
  if (addr.includes('/webrtc') && conn.limits === undefined) return 'webrtc'
  if (addr.includes('/p2p-circuit')) return 'relayed'
  if (addr.includes('/ws')) return 'websocket'
  return 'other'
}

export function networkStatus(node: PeerNode): NetworkStatus {
  const keeper = relayKeeper(node)?.status
  const dht = node.services.dht as PeerNode['services']['dht'] & { routingTable?: { size: number } }
  return {
    peerId: node.peerId.toString(),
    addresses: circuitAddresses(node),
    relays: keeper ?? { targets: [], connected: [], failures: 0, lastError: undefined },
    connections: node.getConnections().map((c) => ({
      peerId: c.remotePeer.toString(),
      remoteAddr: c.remoteAddr.toString(),
      kind: connectionKind(c),
      direction: c.direction,
      rttMs: c.rtt,
    })),
    dhtRoutingTableSize: dht.routingTable?.size ?? 0,
    closedWithError: [...closedWithError(node)],
  }
}

/**
 * Resolves with our /p2p-circuit/webrtc addresses once a relay reservation gives us some: from
 * then on a peer that has the address can dial us. Peers that look us up through the DHT see it
 * up to ~1 s later: libp2p debounces 'self:peer:update' by 1 s, and that event is what sends the
 * identify push that tells the relay. Throws NetworkTimeoutError.
 */
export async function waitForCircuitAddress(node: PeerNode, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? 20_000
  const now = circuitAddresses(node)
  if (now.length > 0) return now
  return new Promise<string[]>((resolve, reject) => {
    const finish = (fn: () => void): void => {
      clearTimeout(timer)
      node.removeEventListener('self:peer:update', onUpdate)
      node.removeEventListener('transport:listening', onUpdate)
      options.signal?.removeEventListener('abort', onAbort)
      fn()
    }
    const onUpdate = (): void => {
      const addrs = circuitAddresses(node)
      if (addrs.length > 0) finish(() => resolve(addrs))
    }
    const onAbort = (): void => finish(() => reject(toNetworkError(options.signal?.reason, { op: 'waiting for a relay reservation', signal: options.signal })))
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new NetworkTimeoutError(
              `No relay reservation within ${timeoutMs} ms, so other tabs cannot reach this one yet (relays: ${relayKeeper(node)?.status.lastError ?? 'connected'}).`,
            ),
          ),
        ),
      timeoutMs,
    )
    node.addEventListener('self:peer:update', onUpdate)
    node.addEventListener('transport:listening', onUpdate)
    options.signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Peer ids of connected peers that offer circuit-relay (relays). */
export async function connectedRelays(node: PeerNode): Promise<string[]> {
  const out: string[] = []
  for (const id of node.getPeers()) {
    const peer = await node.peerStore.get(id).catch(() => undefined)
    if (peer?.protocols.includes(RELAY_V2_HOP_CODEC)) out.push(id.toString())
  }
  return out
}
