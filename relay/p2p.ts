/**
 * The relay's libp2p node: the meeting point of the browser tabs.
 *
 * - WebSocket transport, sharing the HTTP server's port: the HTTP server hands every
 *   `Upgrade: websocket` request to libp2p (see `attachToHttpServer`), so a user is given one
 *   address for the app, /bootstrap.json and the libp2p relay.
 * - circuit-relay-v2 server with signalling-only limits: a relayed connection carries a few KiB
 *   of WebRTC signalling and is then cut; data goes over direct WebRTC between tabs.
 * - kad-dht server on '/layr/kad/1.0.0'. On a loopback or private network it keeps private
 *   addresses in peer records (the default mapper drops them and tabs then find nothing).
 * - identify + identifyPush (without push the relay never learns a tab's /webrtc address after its
 *   reservation), ping (kad-dht needs it).
 * - Its key lives in a file, so its peer id (and so every bootstrap address) survives restarts.
 */
import { createConnection, type Socket } from 'node:net'
import { networkInterfaces } from 'node:os'
import { dirname, resolve } from 'node:path'
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { createLibp2p, type Libp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify, identifyPush, type Identify, type IdentifyPush } from '@libp2p/identify'
import { ping, type Ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT } from '@libp2p/kad-dht'
import { circuitRelayServer, RELAY_V2_HOP_CODEC, RELAY_V2_STOP_CODEC, type CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { isPrivateIp as libp2pIsPrivateIp } from '@libp2p/utils'
import type { Listener, Metrics, PeerId, PrivateKey, Stream, Transport } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { WebSockets, WebSocketsSecure } from '@multiformats/multiaddr-matcher'
import { ConfigError } from './config.ts'
import { ConnectionKeeper } from '../src/net/keeper.ts'
import { DHT_PROTOCOL } from '../src/net/protocols.ts'

export interface P2PConfig {
  /** Where the relay's private key is kept (created on first start). */
  readonly keyFile: string
  /** Other relays to join: multiaddrs with /p2p/<id>, or http(s) URLs of their /bootstrap.json. */
  readonly bootstrap: readonly string[]
  /** Keep private addresses and allow dialling them; undefined = decide from the listen host. */
  readonly privateNetwork: boolean | undefined
  /** Multiaddrs to announce instead of the ones derived from host:port (e.g. behind a TLS proxy). */
  readonly announce: readonly string[]
  /** Limits of one relayed (signalling) connection. */
  readonly relayDataLimitBytes: number
  readonly relayDurationLimitMs: number
  readonly maxReservations: number
}

function envList(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = env[name]?.trim()
  if (!text) return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${name} must be a whole number of at least ${min}, got "${text}".`)
  }
  return value
}

function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const text = env[name]?.trim().toLowerCase()
  if (!text) return undefined
  if (['1', 'true', 'yes', 'on'].includes(text)) return true
  if (['0', 'false', 'no', 'off'].includes(text)) return false
  throw new ConfigError(`${name} must be true or false, got "${env[name]}".`)
}

/**
 * LAYR_RELAY_KEY_FILE (default .layr/relay-key), LAYR_BOOTSTRAP (comma-separated multiaddrs or
 * /bootstrap.json URLs of relays to join), LAYR_PRIVATE_NETWORK (true/false; default: true when
 * the relay listens on a loopback or private address), LAYR_ANNOUNCE (multiaddrs to announce),
 * LAYR_RELAY_DATA_LIMIT (bytes per relayed connection, default 64 KiB), LAYR_RELAY_DURATION_LIMIT
 * (ms per relayed connection, default 30 s), LAYR_MAX_RESERVATIONS (default 1024).
 */
export function p2pConfigFromEnv(env: NodeJS.ProcessEnv = process.env): P2PConfig {
  const announce = envList(env.LAYR_ANNOUNCE)
  for (const a of announce) {
    try {
      multiaddr(a)
    } catch {
      throw new ConfigError(`LAYR_ANNOUNCE has "${a}", which is not a multiaddr.`)
    }
  }
  return {
    keyFile: resolve(env.LAYR_RELAY_KEY_FILE?.trim() || '.layr/relay-key'),
    bootstrap: envList(env.LAYR_BOOTSTRAP),
    privateNetwork: envBool(env, 'LAYR_PRIVATE_NETWORK'),
    announce,
    relayDataLimitBytes: envInt(env, 'LAYR_RELAY_DATA_LIMIT', 64 * 1024, 1024),
    relayDurationLimitMs: envInt(env, 'LAYR_RELAY_DURATION_LIMIT', 30_000, 1000),
    maxReservations: envInt(env, 'LAYR_MAX_RESERVATIONS', 1024, 1),
  }
}

// ---------------------------------------------------------------------------------------------
// The key file

/** Reads the relay's key, or creates it (atomically, mode 0600) when the file does not exist. */
export async function loadOrCreateRelayKey(file: string): Promise<PrivateKey> {
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError(`Cannot read the relay key file ${file}: ${(err as Error).message}`)
    }
  }
  if (bytes !== undefined) return parseKey(bytes, file)

  const key = await generateKeyPair('Ed25519')
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  // Write to a temporary name, then link: a crash never leaves half a key, and two relays
  // starting at once with the same file end up with one identity (link fails if it exists).
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
  try {
    await link(tmp, file)
    return key
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return parseKey(await readFile(file), file)
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
}

function parseKey(bytes: Uint8Array, file: string): PrivateKey {
  try {
    return privateKeyFromProtobuf(bytes)
  } catch {
    throw new ConfigError(
      `The relay key file ${file} does not hold a libp2p private key. Move it away to give this relay a new identity (its peer id and addresses change).`,
    )
  }
}

// ---------------------------------------------------------------------------------------------
// Addresses

function isIPv4(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host)
}

function isIPv6(host: string): boolean {
  return host.includes(':')
}

/** Loopback, RFC 1918, CGNAT, link-local and IPv6 ULA/link-local: libp2p's own list, as the browser uses. */
export function isPrivateIp(ip: string): boolean {
  return libp2pIsPrivateIp(ip) === true
}

function interfaceAddresses(includeIPv6: boolean): string[] {
  const out: string[] = []
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4') out.push(info.address)
      else if (includeIPv6 && !info.address.toLowerCase().startsWith('fe80')) out.push(info.address)
    }
  }
  return out
}

/** The IPs a browser can reach this relay on, for the host the HTTP server listens on. */
function reachableIps(host: string): string[] | undefined {
  if (host === '0.0.0.0') return interfaceAddresses(false)
  if (host === '::') return interfaceAddresses(true)
  if (isIPv4(host) || isIPv6(host)) return [host]
  return undefined // a host name
}

function wsAddrs(host: string, port: number): string[] {
  const ips = reachableIps(host)
  if (ips === undefined) return [`/dns/${host}/tcp/${port}/ws`]
  return ips.map((ip) => `/${isIPv6(ip) ? 'ip6' : 'ip4'}/${ip}/tcp/${port}/ws`)
}

function defaultPrivateNetwork(host: string): boolean {
  if (host === 'localhost') return true
  const ips = reachableIps(host)
  if (ips === undefined) return false
  return ips.every(isPrivateIp)
}

// ---------------------------------------------------------------------------------------------
// Metrics

/**
 * libp2p's Metrics hook, used for one thing: libp2p calls `trackProtocolStream` for every
 * negotiated stream, which lets us count the bytes carried on circuit-relay hop/stop streams.
 * The circuit-relay server itself only counts bytes to enforce its data limit and exposes no
 * total. Registrations from libp2p components are accepted and ignored.
 */
class RelayMetrics implements Metrics {
  relayedBytes = 0

  trackMultiaddrConnection(): void {}

  trackProtocolStream(stream: Stream): void {
    if (stream.protocol !== RELAY_V2_HOP_CODEC && stream.protocol !== RELAY_V2_STOP_CODEC) return
    stream.addEventListener('message', (evt) => {
      this.relayedBytes += evt.data.byteLength
    })
  }

  registerMetric = noopRegister as Metrics['registerMetric']
  registerMetricGroup = noopRegister as Metrics['registerMetricGroup']
  registerCounter = noopRegister as Metrics['registerCounter']
  registerCounterGroup = noopRegister as Metrics['registerCounterGroup']
  registerHistogram = noopRegister as Metrics['registerHistogram']
  registerHistogramGroup = noopRegister as Metrics['registerHistogramGroup']
  registerSummary = noopRegister as Metrics['registerSummary']
  registerSummaryGroup = noopRegister as Metrics['registerSummaryGroup']

  traceFunction<F>(_name: string, fn: F): F {
    return fn
  }

  createTrace(): undefined {
    return undefined
  }
}

const noopInstrument = {
  update(): void {},
  increment(): void {},
  decrement(): void {},
  reset(): void {},
  observe(): void {},
  timer(): () => void {
    return () => {}
  },
}

function noopRegister(): typeof noopInstrument {
  return noopInstrument
}

// ---------------------------------------------------------------------------------------------
// The WebSocket listener on the HTTP server's port

/**
 * @libp2p/websockets 10 always creates its own net.Server (plus an internal http.Server that only
 * answers 400) and has no option to use an existing server: its `WebSocketListenerInit.server`
 * field is declared in the types but never read. Its listener does have an `onUpgrade(req,
 * socket, head)` method (public in its typings) that runs the same path as its own server's
 * 'upgrade' event: ws handshake, then the libp2p upgrader (noise, yamux). So the libp2p listener
 * listens on an internal loopback port that nobody is told about, our HTTP server forwards its
 * 'upgrade' events to `onUpgrade`, and only the HTTP port is announced.
 *
 * If a future version drops `onUpgrade`, we fall back to piping the raw upgrade request to the
 * internal port (costs a loopback hop, and libp2p then sees 127.0.0.1 as the remote address).
 */
interface UpgradableListener extends Listener {
  onUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void
}

function capturingWebSockets(onListener: (listener: UpgradableListener) => void): ReturnType<typeof webSockets> {
  const factory = webSockets()
  return (components) => {
    const transport: Transport = factory(components)
    const createListener = transport.createListener.bind(transport)
    transport.createListener = (options) => {
      const listener = createListener(options)
      onListener(listener)
      return listener
    }
    return transport
  }
}

function internalPort(listener: Listener): number | undefined {
  for (const ma of listener.getAddrs()) {
    const tcp = ma.getComponents().find((c) => c.name === 'tcp')
    if (tcp?.value !== undefined) return Number(tcp.value)
  }
  return undefined
}

function proxyUpgrade(port: number, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const upstream: Socket = createConnection({ host: '127.0.0.1', port })
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}`]
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
  upstream.write(lines.join('\r\n') + '\r\n\r\n')
  if (head.length > 0) upstream.write(head)
  upstream.on('error', () => socket.destroy())
  socket.on('error', () => upstream.destroy())
  socket.pipe(upstream).pipe(socket)
}

// ---------------------------------------------------------------------------------------------
// The node

export type RelayServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  relay: CircuitRelayService
  dht: KadDHT
}

export interface RelayP2P {
  readonly node: Libp2p<RelayServices>
  readonly peerId: string
  readonly privateNetwork: boolean
  /** Dialable WebSocket multiaddrs, each ending in /p2p/<peer id>. */
  multiaddrs(): string[]
  /** Give a WebSocket upgrade request from the HTTP server to libp2p. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Prometheus text exposition of the relay's figures. */
  metricsText(): string
  stop(): Promise<void>
}

export interface StartP2POptions {
  readonly config: P2PConfig
  /** The host and (actual) port the HTTP server listens on. */
  readonly host: string
  readonly port: number
  readonly log?: (message: string) => void
}

export async function startRelayP2P(options: StartP2POptions): Promise<RelayP2P> {
  const { config, host, port } = options
  const log = options.log ?? ((m: string) => console.log(m))
  const privateKey = await loadOrCreateRelayKey(config.keyFile)
  const privateNetwork = config.privateNetwork ?? defaultPrivateNetwork(host)
  const announce = config.announce.length > 0 ? [...config.announce] : wsAddrs(host, port)
  const metrics = new RelayMetrics()
  let wsListener: UpgradableListener | undefined

  const node = await createLibp2p<RelayServices>({
    privateKey,
    addresses: {
      // Internal only: the HTTP server forwards upgrades here; never announced.
      listen: ['/ip4/127.0.0.1/tcp/0/ws'],
      announce,
    },
    transports: [capturingWebSockets((l) => (wsListener = l))],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: privateNetwork ? { denyDialMultiaddr: () => false } : {},
    connectionManager: {
      maxConnections: 2048,
      maxIncomingPendingConnections: 128,
      // Tabs behind one NAT (or all tabs on a dev machine) share one IP; the default of 5 inbound
      // connections per second per host refuses a reconnect storm after a relay restart.
      inboundConnectionThreshold: 100,
    },
    metrics: () => metrics,
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      // Not the default 1 outbound / 2 inbound: the connection monitor and kad-dht ping the same
      // connection, and a refused ping stream makes the monitor abort the connection.
      ping: ping({ maxOutboundStreams: 8, maxInboundStreams: 8 }),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: config.maxReservations,
          applyDefaultLimit: true,
          defaultDataLimit: BigInt(config.relayDataLimitBytes),
          defaultDurationLimit: config.relayDurationLimitMs,
        },
      }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        peerInfoMapper: privateNetwork ? passthroughMapper : removePrivateAddressesMapper,
      }),
    },
  })

  const listener = wsListener
  if (listener === undefined) {
    await node.stop()
    throw new Error('relay: the libp2p WebSocket listener did not start')
  }
  const fallbackPort = typeof listener.onUpgrade === 'function' ? undefined : internalPort(listener)
  if (typeof listener.onUpgrade !== 'function') {
    log(`relay: @libp2p/websockets has no onUpgrade; proxying WebSocket upgrades to 127.0.0.1:${fallbackPort}`)
  }

  const keeper =
    config.bootstrap.length > 0
      ? new ConnectionKeeper(node, {
          resolve: () => resolveBootstrap(config.bootstrap, node.peerId.toString()),
          onEvent: (e) => {
            if (e.type === 'connected') log(`relay: joined relay ${e.peerId}`)
            else if (e.type === 'failed' && e.attempt <= 1) log(`relay: cannot reach relay(s) yet (${e.error}); retrying`)
          },
        })
      : undefined
  keeper?.start()
  forgetDisconnectedPeers(node)

  const peerId = node.peerId.toString()
  return {
    node,
    peerId,
    privateNetwork,
    multiaddrs: () => node.getMultiaddrs().map((ma) => ma.toString()),
    handleUpgrade(req, socket, head) {
      if (node.status !== 'started') {
        socket.destroy()
        return
      }
      if (typeof listener.onUpgrade === 'function') listener.onUpgrade(req, socket, head)
      else if (fallbackPort !== undefined) proxyUpgrade(fallbackPort, req, socket, head)
      else socket.destroy()
    },
    metricsText() {
      const dht = node.services.dht as KadDHT & { routingTable?: { size: number } }
      return prometheus([
        ['layr_relay_connected_peers', 'gauge', 'Peers with at least one open connection to this relay.', node.getPeers().length],
        ['layr_relay_connections', 'gauge', 'Open libp2p connections (all transports).', node.getConnections().length],
        ['layr_relay_reservations', 'gauge', 'Circuit-relay-v2 reservations held (dropped when the tab disconnects).', node.services.relay.reservations.size],
        ['layr_relay_dht_routing_table_size', 'gauge', 'Peers in the kad-dht routing table.', dht.routingTable?.size ?? 0],
        [
          'layr_relay_relayed_bytes_total',
          'counter',
          'Bytes received on circuit-relay hop/stop streams, both directions: relayed signalling plus the small relay handshakes.',
          metrics.relayedBytes,
        ],
      ])
    },
    async stop() {
      keeper?.stop()
      await node.stop()
    },
  }
}

/**
 * What libp2p keeps about a peer that has gone, and should not:
 *
 * - kad-dht never removes a peer from its routing table, except to make room in a full bucket. A
 *   closed tab stays in the relay's table and is handed to every lookup nearby, and each lookup
 *   then wastes a relayed dial on it (NO_RESERVATION). The relay can only reach a tab through the
 *   tab's own connection, so when that is gone and the peer has no address the relay could dial
 *   (a WebSocket address: another relay), it leaves the table.
 * - The circuit-relay server keeps a reservation for its whole TTL (2 h) after the tab is gone,
 *   holding one of the `maxReservations` slots. Without a connection the relay cannot relay to
 *   the tab anyway, and the tab makes a new reservation when it reconnects. The reservation's
 *   expiry timer is cleared before it is deleted: left armed, it would later delete the tab's
 *   next reservation under the same peer id.
 */
function forgetDisconnectedPeers(node: Libp2p<RelayServices>): void {
  const dht = node.services.dht as KadDHT & { routingTable?: { remove?(peer: PeerId): Promise<void> } }
  const removeFromTable = dht.routingTable?.remove?.bind(dht.routingTable)
  node.addEventListener('peer:disconnect', (evt) => {
    const peer = evt.detail
    if (node.getConnections(peer).length > 0) return
    const reservation = node.services.relay.reservations.get(peer)
    if (reservation) {
      reservation.signal.clear()
      node.services.relay.reservations.delete(peer)
    }
    if (removeFromTable === undefined) return
    void (async () => {
      const info = await node.peerStore.get(peer).catch(() => undefined)
      const dialable = info?.addresses.some((a) => WebSockets.exactMatch(a.multiaddr) || WebSocketsSecure.exactMatch(a.multiaddr)) ?? false
      if (!dialable && node.getConnections(peer).length === 0) await removeFromTable(peer)
    })().catch(() => undefined)
  })
}

function prometheus(rows: Array<[name: string, type: 'gauge' | 'counter', help: string, value: number]>): string {
  return rows.map(([name, type, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`).join('')
}

/** Multiaddrs of the relays to join; URLs are fetched (their /bootstrap.json). Skips ourselves. */
async function resolveBootstrap(entries: readonly string[], self: string): Promise<string[]> {
  const out: string[] = []
  const errors: string[] = []
  for (const entry of entries) {
    if (!/^https?:\/\//i.test(entry)) {
      out.push(entry)
      continue
    }
    try {
      const url = new URL(entry)
      if (url.pathname === '/' || url.pathname === '') url.pathname = '/bootstrap.json'
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
      if (!res.ok) throw new Error(`${url} answered ${res.status}`)
      const body = (await res.json()) as { multiaddrs?: unknown }
      if (!Array.isArray(body.multiaddrs)) throw new Error(`${url} has no multiaddrs`)
      out.push(...body.multiaddrs.filter((m): m is string => typeof m === 'string'))
    } catch (err) {
      errors.push(`${entry}: ${(err as Error).message}`)
    }
  }
  const others = out.filter((m) => !m.endsWith(`/p2p/${self}`))
  if (others.length === 0 && errors.length > 0) throw new Error(errors.join('; '))
  return others
}
