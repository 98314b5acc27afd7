/**
 * The browser tab's libp2p node. Every setting here was found to matter (see FINDINGS.md):
 *
 * - webRTC with `iceServers: []`: tabs connect directly over the host's interfaces; the default
 *   list names public STUN servers, which must never be contacted.
 * - listen on '/p2p-circuit' (a reservation on a relay, for signalling) and '/webrtc'; announce
 *   only the resulting /p2p-circuit/webrtc addresses. Announcing bare circuit addresses made
 *   peers dial relayed connections that time out.
 * - kad-dht server mode (`clientMode: false`): tabs in client mode never enter routing tables,
 *   so they cannot be found. On loopback/private networks the private-address mapper is
 *   replaced by a passthrough, or the routing table stays empty and queries hang.
 * - identifyPush on both sides: it is how the relay learns the tab's /webrtc address after the
 *   reservation.
 * - connectionGater allowing private addresses on loopback/private networks (the browser default
 *   refuses them, and insecure ws://).
 * - webRTCDirect, to dial Node hosts (host/) at their /webrtc-direct addresses without a relay.
 */
import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, identifyPush, type Identify, type IdentifyPush } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT } from '@libp2p/kad-dht'
import type { PrivateKey } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { WebRTC } from '@multiformats/multiaddr-matcher'
import { BootstrapError, InvalidAddressError, RelayUnreachableError, toNetworkError } from './errors.ts'
import { ConnectionKeeper, type KeeperEvent } from './keeper.ts'
import { DHT_PROTOCOL } from './protocols.ts'
import { installWebRtcInitChannelFix } from './webrtc-init-fix.ts'

export type PeerServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: KadDHT
}

export type PeerNode = Libp2p<PeerServices>

export interface PeerNodeOptions {
  /** Relay multiaddrs, each with /p2p/<relay id> (from /bootstrap.json). */
  readonly bootstrap: readonly string[]
  /** The tab's identity; kept by the caller (IndexedDB) so the peer id survives reloads. */
  readonly privateKey: PrivateKey
  /** Loopback or private network: keep and dial private addresses. */
  readonly loopback: boolean
  /** ICE servers for WebRTC. Empty by default: direct connections only, no third party. */
  readonly iceServers?: RTCIceServer[]
  /** Called after repeated failures to get a fresh relay list (e.g. refetch /bootstrap.json). */
  readonly refreshBootstrap?: () => Promise<readonly string[]>
  /** Relay connection events (connected, disconnected, failed with retry delay). */
  readonly onRelayEvent?: (event: KeeperEvent) => void
}

const keepers = new WeakMap<PeerNode, ConnectionKeeper>()

/** A connection that closed with an error, for the Network view and for diagnosing failures. */
export interface ClosedConnection {
  readonly at: number
  readonly peerId: string
  readonly remoteAddr: string
  readonly direction: 'inbound' | 'outbound'
  readonly error: string
}

const recentCloses = new WeakMap<PeerNode, ClosedConnection[]>()
const RECENT_CLOSES = 20

/** The last connections of this node that closed with an error (newest last). */
export function closedWithError(node: PeerNode): readonly ClosedConnection[] {
  return recentCloses.get(node) ?? []
}

function recordErrorCloses(node: PeerNode): void {
  const list: ClosedConnection[] = []
  recentCloses.set(node, list)
  node.addEventListener('connection:open', (evt) => {
    const conn = evt.detail
    // Relayed (limited) connections are cut by the relay's limits by design: not worth a record.
    if (conn.limits !== undefined) return
    conn.addEventListener('close', (closed) => {
      const error = (closed as Event & { error?: Error }).error
      if (error === undefined) return
      list.push({
        at: Date.now(),
        peerId: conn.remotePeer.toString(),
        remoteAddr: conn.remoteAddr.toString(),
        direction: conn.direction,
        error: `${error.name}: ${error.message}`,
      })
      if (list.length > RECENT_CLOSES) list.shift()
    })
  })
}

/** Only /p2p-circuit/webrtc addresses are worth telling anyone. */
export function isAnnounceable(ma: Multiaddr): boolean {
  return WebRTC.exactMatch(ma) && ma.getComponents().some((c) => c.name === 'p2p-circuit')
}

/**
 * Creates and starts the tab's node, and keeps it connected to the bootstrap relays (redialling
 * with backoff when they drop). Resolves once started, without waiting for a relay: use
 * `waitForRelay` / `waitForCircuitAddress` for that.
 */
export async function createPeerNode(options: PeerNodeOptions): Promise<PeerNode> {
  if (options.bootstrap.length === 0) throw new BootstrapError('No relay address to start from.')
  for (const text of options.bootstrap) {
    try {
      multiaddr(text)
    } catch (err) {
      throw new InvalidAddressError(`"${text}" is not a multiaddr.`, { cause: err })
    }
  }
  const bootstrap = [...options.bootstrap]
  installWebRtcInitChannelFix()
  let node: PeerNode
  try {
    node = await createLibp2p<PeerServices>({
      privateKey: options.privateKey,
      addresses: {
        listen: ['/p2p-circuit', '/webrtc'],
        announceFilter: (addrs) => addrs.filter(isAnnounceable),
      },
      transports: [
        webSockets(),
        webRTC({
          rtcConfiguration: { iceServers: options.iceServers ?? [] },
          // 512 KiB, not the default 2 MiB, per data channel: all streams of a connection share
          // one SCTP association, so a bulk transfer's queue delays every other stream on it,
          // pings included. At 2 MiB, pings took up to 7.6 s during a transfer on a loaded
          // machine, and libp2p's connection monitor aborts a connection whose ping exceeds its
          // timeout (≥ 5 s). 256 KiB–1 MiB kept them under ~0.6 s at the same throughput.
          dataChannel: { maxBufferedAmount: 512 * 1024 },
        }),
        // Dial only (a browser cannot listen on it): Node hosts (host/) listen on WebRTC Direct,
        // which a tab reaches with no relay and no signalling.
        webRTCDirect({ rtcConfiguration: { iceServers: options.iceServers ?? [] }, dataChannel: { maxBufferedAmount: 512 * 1024 } }),
        circuitRelayTransport(),
      ],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // undefined keeps libp2p's browser default (no private addresses, no insecure ws).
      connectionGater: options.loopback ? { denyDialMultiaddr: () => false } : undefined,
      connectionManager: { inboundConnectionThreshold: 50 },
      services: {
        identify: identify(),
        // 100 ms instead of 1 s: see announceEarly.
        identifyPush: identifyPush({ debounce: 100 }),
        // libp2p's connection monitor, kad-dht and callers all ping over the same connection, and
        // the default limit (1 outbound, 2 inbound ping streams per connection) makes the loser
        // fail with TooManyOutboundProtocolStreamsError, upon which the connection monitor
        // aborts the whole connection, mid-transfer. Room for a few at once.
        ping: ping({ maxOutboundStreams: 8, maxInboundStreams: 8 }),
        dht: kadDHT({
          protocol: DHT_PROTOCOL,
          clientMode: false,
          peerInfoMapper: options.loopback ? passthroughMapper : removePrivateAddressesMapper,
        }),
      },
    })
  } catch (err) {
    throw toNetworkError(err, { op: 'starting the network node' })
  }
  const keeper = new ConnectionKeeper(node, {
    resolve: async () => {
      if (options.refreshBootstrap) {
        try {
          const fresh = await options.refreshBootstrap()
          if (fresh.length > 0) bootstrap.splice(0, bootstrap.length, ...fresh)
        } catch {
          // keep the addresses we have; the relay's HTTP side may be down with it
        }
      }
      return bootstrap
    },
    ping: (peer, signal) => node.services.ping.ping(peer, { signal }),
    ...(typeof document !== 'undefined' ? { wakeSignals: pageWakeSignals } : {}),
    onEvent: options.onRelayEvent,
  })
  keepers.set(node, keeper)
  keeper.start()
  announceEarly(node)
  recordErrorCloses(node)
  return node
}

/**
 * What tells a page that time may have passed without it: `resume` after Chromium froze it,
 * `visibilitychange` to visible (a hidden tab's timers were throttled), `pageshow` from the
 * back/forward cache, and `online` after the network came back (ConnectionKeeper.wake).
 */
function pageWakeSignals(wake: (reason: string) => void): () => void {
  const onResume = (): void => wake('resume')
  const onVisible = (): void => void (document.visibilityState === 'visible' && wake('visible'))
  const onShow = (e: PageTransitionEvent): void => void (e.persisted && wake('pageshow'))
  const onOnline = (): void => wake('online')
  document.addEventListener('resume', onResume)
  document.addEventListener('visibilitychange', onVisible)
  window.addEventListener('pageshow', onShow)
  window.addEventListener('online', onOnline)
  return () => {
    document.removeEventListener('resume', onResume)
    document.removeEventListener('visibilitychange', onVisible)
    window.removeEventListener('pageshow', onShow)
    window.removeEventListener('online', onOnline)
  }
}

/**
 * Tells connected peers (the relay first of all) our new /p2p-circuit/webrtc address as soon as a
 * reservation gives us one. libp2p would do it by itself, but only after two debounces in a row
 * (1 s on 'self:peer:update' in the address manager, then 1 s in identify-push), so for ~2 s a
 * new tab could be dialled but not found through the DHT.
 */
function announceEarly(node: PeerNode): void {
  let announced = ''
  node.addEventListener('transport:listening', () => {
    const addrs = node.getMultiaddrs().filter(isAnnounceable).map(String).sort().join(' ')
    if (addrs === '' || addrs === announced) return
    announced = addrs
    void node.services.identifyPush.push().catch(() => undefined)
  })
}

/** The relay keeper of a node made by createPeerNode. */
export function relayKeeper(node: PeerNode): ConnectionKeeper | undefined {
  return keepers.get(node)
}

/** Waits until at least one bootstrap relay is connected. Throws RelayUnreachableError. */
export async function waitForRelay(node: PeerNode, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const keeper = keepers.get(node)
  if (!keeper) throw new RelayUnreachableError('This node has no relay keeper (not made by createPeerNode).')
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 20_000)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  try {
    await keeper.whenConnected(signal)
  } catch (err) {
    if (options.signal?.aborted) throw toNetworkError(err, { op: 'connecting to a relay', signal: options.signal })
    throw new RelayUnreachableError(
      `No relay answered within ${options.timeoutMs ?? 20_000} ms (${keeper.status.lastError ?? 'no error yet'}). Layr keeps retrying in the background.`,
      { cause: err },
    )
  }
}
