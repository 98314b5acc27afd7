/**
 * The Node host's libp2p node: the same services as a tab's (src/net/node.ts: identify,
 * identifyPush, ping, a kad-dht server on /layr/kad/1.0.0), so the tab's share protocol,
 * PeerNetwork adapter and DHT helpers run on it unchanged; what differs is how it is reached.
 *
 * - WebRTC Direct (`/udp/<port>/webrtc-direct`, node-datachannel): a browser dials it with no
 *   relay and no signalling; the address carries the certificate hash.
 * - A circuit-relay reservation on the bootstrap relays (`/p2p-circuit`) and WebRTC
 *   (`/webrtc`): reachable like a tab too, and able to dial tabs (which only have
 *   /p2p-circuit/webrtc addresses).
 * - WebSockets: to dial relays, and (when a ws listen address is given) for other Node peers.
 * - iceServers [] (no STUN is ever contacted) and, on a private network, a gater and DHT mapper
 *   that keep private addresses (FINDINGS.md).
 */
import { createLibp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import type { PrivateKey, Transport } from '@libp2p/interface'
import type { TransportCertificate } from '@libp2p/webrtc'
import type { Multiaddr } from '@multiformats/multiaddr'
import { Circuit, WebRTCDirect, WebSockets } from '@multiformats/multiaddr-matcher'
import { ConnectionKeeper, type KeeperEvent } from '../src/net/keeper.ts'
import { DHT_PROTOCOL } from '../src/net/protocols.ts'
import type { PeerNode, PeerServices } from '../src/net/node.ts'
import { isAnnounceable } from '../src/net/node.ts'

export interface HostNodeOptions {
  readonly privateKey: PrivateKey
  /** Listen multiaddrs, e.g. /ip4/0.0.0.0/udp/4002/webrtc-direct, /ip4/0.0.0.0/tcp/4003/ws, /p2p-circuit, /webrtc. */
  readonly listen: readonly string[]
  /** Announce exactly these (behind NAT or a proxy); default: what the listeners report. */
  readonly announce?: readonly string[]
  /**
   * Relay multiaddrs with /p2p/<id>: bootstrap, DHT entry and reservations; or a function that
   * finds them (read again after failed rounds, so a relay that was down at start is joined later).
   */
  readonly bootstrap: readonly string[] | (() => Promise<readonly string[]>)
  /** Keep and dial private addresses (loopback, LAN). */
  readonly privateNetwork: boolean
  /** Announce WebSocket addresses on the loopback interface (Node peers on one machine); WebRTC Direct ones never are. */
  readonly announceLoopback?: boolean
  readonly onRelayEvent?: (event: KeeperEvent) => void
  /** Bigger in the scale bench (many peers on one machine connect to one another). */
  readonly maxConnections?: number
  /** The WebRTC Direct certificate to reuse (its hash is in the address); default: a new one. */
  readonly certificate?: TransportCertificate
}

function isLoopback(ma: Multiaddr): boolean {
  const ip = ma.getComponents().find((c) => c.name === 'ip4' || c.name === 'ip6')?.value
  return ip !== undefined && (ip.startsWith('127.') || ip === '::1')
}

/** What a host tells others: its WebRTC Direct and WebSocket addresses, and relayed WebRTC ones. */
export function hostAnnounceable(ma: Multiaddr, loopback: boolean): boolean {
  // Browsers never reach 127.0.0.1 over WebRTC (Chromium gathers no loopback candidates).
  if (isLoopback(ma) && (!loopback || WebRTCDirect.exactMatch(ma))) return false
  if (isAnnounceable(ma)) return true
  if (Circuit.matches(ma)) return false
  return WebRTCDirect.exactMatch(ma) || WebSockets.exactMatch(ma)
}

export interface HostNode {
  readonly node: PeerNode
  readonly keeper: ConnectionKeeper | undefined
  /** The WebRTC Direct certificate in use (to keep it, and so the address, across restarts). */
  certificate(): TransportCertificate | undefined
  stop(): Promise<void>
}

/** webRTCDirect, keeping hold of the transport so its certificate can be read after start. */
function capturingWebRTCDirect(init: Parameters<typeof webRTCDirect>[0], onTransport: (t: Transport) => void): ReturnType<typeof webRTCDirect> {
  const factory = webRTCDirect(init)
  return (components) => {
    const t = factory(components)
    onTransport(t)
    return t
  }
}

export async function createHostNode(options: HostNodeOptions): Promise<HostNode> {
  const loopback = options.announceLoopback ?? false
  let direct: Transport | undefined
  const node: PeerNode = await createLibp2p<PeerServices>({
    privateKey: options.privateKey,
    addresses: {
      listen: [...options.listen],
      ...(options.announce && options.announce.length > 0 ? { announce: [...options.announce] } : {}),
      announceFilter: (addrs) => addrs.filter((a) => hostAnnounceable(a, loopback)),
    },
    transports: [
      webSockets(),
      capturingWebRTCDirect(
        {
          rtcConfiguration: { iceServers: [] },
          dataChannel: { maxBufferedAmount: 512 * 1024 },
          ...(options.certificate ? { certificate: options.certificate } : {}),
        },
        (t) => (direct = t),
      ),
      webRTC({ rtcConfiguration: { iceServers: [] }, dataChannel: { maxBufferedAmount: 512 * 1024 } }),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: options.privateNetwork ? { denyDialMultiaddr: () => false } : {},
    connectionManager: {
      maxConnections: options.maxConnections ?? 300,
      inboundConnectionThreshold: 100,
    },
    services: {
      identify: identify(),
      identifyPush: identifyPush({ debounce: 100 }),
      ping: ping({ maxOutboundStreams: 8, maxInboundStreams: 8 }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        peerInfoMapper: options.privateNetwork ? passthroughMapper : removePrivateAddressesMapper,
      }),
    },
  })
  const { bootstrap } = options
  const keeper =
    typeof bootstrap === 'function' || bootstrap.length > 0
      ? new ConnectionKeeper(node, {
          resolve: typeof bootstrap === 'function' ? bootstrap : () => bootstrap,
          ...(options.onRelayEvent ? { onEvent: options.onRelayEvent } : {}),
        })
      : undefined
  keeper?.start()
  return {
    node,
    keeper,
    // A private field of the transport in @libp2p/webrtc 6 (set by its start()); undefined if that changes.
    certificate: () => (direct as { certificate?: TransportCertificate } | undefined)?.certificate,
    async stop() {
      keeper?.stop()
      await node.stop()
    },
  }
}
