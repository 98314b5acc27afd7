/**
 * The Node host: the composition root of a peer that only hosts, on a server or a desktop. It is
 * made of the same parts as a tab's host — ShareHost (src/net/share/host.ts: one handler per
 * message over one accounting service) mounted on /layr/share/2.0.0 — with Node adapters: shares
 * and manifest records in plain files (src/adapters/storage/fs*.ts), its identity and settings in
 * a data directory, libp2p with WebRTC Direct (p2p.ts), and an HTTP side for /metrics.
 *
 *   DATA/host.json               settings in force (config.ts)
 *   DATA/identity.key            libp2p private key (peer id), mode 0600
 *   DATA/webrtc-direct-cert.json the WebRTC Direct certificate, so the address (certhash) holds across restarts
 *   DATA/store/                  shares and records (fs.ts, fs-records.ts)
 *   DATA/grants/                 owners' repair grants and the holders updates made under them (grants.ts)
 *   DATA/lock                    the pid of the host using this directory
 *
 * Unless started with --repair-every 0, it repairs for owners who granted it repair
 * (src/transfer/delegated.ts): every --repair-every it audits their delegated files and rebuilds
 * shares whose holders failed or have been away longer than --repair-lost-after, signing stores
 * with the grant's delegate key; owners' tabs pick up the new holders on their next sync.
 *
 * Like a tab, it drops ended leases (ShareHost.expire) 10 s after start and about hourly.
 * Stopping (SIGINT/SIGTERM) first stops taking requests, lets those under way finish, then
 * closes the stores; a share is acknowledged only once it is on disk (fsynced), so nothing
 * acknowledged is lost by a stop or by a crash.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { X509Certificate } from 'node:crypto'
import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey, Stream } from '@libp2p/interface'
import { isPrivateIp } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { fetchBootstrap } from '../src/net/bootstrap.ts'
import { openFsPaymentStore } from '../src/adapters/storage/fs-payments.ts'
import { localNetwork, TESTNET, type LedgerNetwork } from '../src/ports/ledger.ts'
import { ShareHost } from '../src/net/share/host.ts'
import { serveShareStream } from '../src/net/share/libp2p.ts'
import { SHARE_PROTOCOL } from '../src/net/share/messages.ts'
import { periodic } from '../src/layr/services.ts'
import { openFsShareStore, type FsShareStore } from '../src/adapters/storage/fs.ts'
import { openFsRecordStore, type FsRecordStore } from '../src/adapters/storage/fs-records.ts'
import { HostConfigError, settingsFromFile, type HostConfig, type HostSettings } from './config.ts'
import { createHostNode, type HostNode } from './p2p.ts'
import { openFsGrantStore } from './grants.ts'
import { libp2pNetwork } from '../src/net/peer-network.ts'
import { DelegatedRepairs } from '../src/transfer/delegated.ts'
import type { PeerNode } from '../src/net/node.ts'

/** Streams one peer may have open to this host at once (as a tab's host). */
const MAX_INBOUND_STREAMS = 32
/** How long a stop waits for requests under way. */
const DRAIN_MS = 30_000

export interface RunningHost {
  readonly peerId: string
  readonly node: PeerNode
  readonly host: ShareHost
  readonly config: HostConfig
  /** http://host:port of /metrics, or undefined without an HTTP side. */
  readonly httpUrl: string | undefined
  /** What the host announces (WebRTC Direct, WebSocket, /p2p-circuit/webrtc), each with /p2p/<id>. */
  multiaddrs(): string[]
  metricsText(): Promise<string>
  /** Stops taking requests, finishes those under way, closes the stores and the node. */
  stop(): Promise<void>
}

export interface StartHostOptions {
  readonly log?: (message: string) => void
  /** Bigger in the scale bench. */
  readonly maxConnections?: number
  /** Run the expiry sweep (default true). */
  readonly expiry?: { readonly firstMs: number; readonly everyMs: number }
}

// ---------------------------------------------------------------------------------------------
// The data directory

/** Reads host.json (absent: nothing stored yet). */
export async function readStoredSettings(dataDir: string): Promise<Partial<HostSettings>> {
  const file = join(dataDir, 'host.json')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new HostConfigError(`Cannot read ${file}: ${(err as Error).message}`)
  }
  try {
    return settingsFromFile(JSON.parse(text), file)
  } catch (err) {
    if (err instanceof HostConfigError) throw err
    throw new HostConfigError(`${file} is not valid JSON (${(err as Error).message}); fix it or move it away.`)
  }
}

async function writeFileAtomic(file: string, text: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const fh = await open(tmp, 'wx', mode)
  try {
    await fh.writeFile(text)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, file)
}

async function saveSettings(config: HostConfig): Promise<void> {
  const { dataDir: _, ...settings } = config
  await writeFileAtomic(join(config.dataDir, 'host.json'), JSON.stringify(settings, null, 2) + '\n', 0o644)
}

/** The host's key: read, or made once (a new peer id) when the directory is new. */
async function loadOrCreateKey(file: string): Promise<PrivateKey> {
  try {
    return privateKeyFromProtobuf(await readFile(file))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new HostConfigError(`${file} does not hold a libp2p key (${(err as Error).message}). Move it away to give this host a new peer id.`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  await writeFileAtomic(file, privateKeyToProtobuf(key))
  return key
}

/** One host per data directory: two would write the same files. A lock left by a dead process is taken over. */
async function lockDir(dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, 'lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' })
      return () => unlink(file).catch(() => undefined)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number(await readFile(file, 'utf8').catch(() => ''))
      let alive = false
      try {
        alive = Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && process.kill(pid, 0)
      } catch {
        alive = false
      }
      if (alive) throw new HostConfigError(`Another host (pid ${pid}) is using ${dataDir}. Stop it, or give this one another --data directory.`)
      await unlink(file).catch(() => undefined)
    }
  }
  throw new HostConfigError(`Cannot lock ${dataDir}.`)
}

interface StoredCertificate {
  readonly privateKey: string
  readonly pem: string
  readonly certhash: string
}

/** The stored WebRTC Direct certificate, unless it ends within two days (then a new one, and a new certhash). */
async function loadCertificate(file: string): Promise<StoredCertificate | undefined> {
  try {
    const c = JSON.parse(await readFile(file, 'utf8')) as StoredCertificate
    if (typeof c.privateKey !== 'string' || typeof c.pem !== 'string' || typeof c.certhash !== 'string') return undefined
    if (new Date(new X509Certificate(c.pem).validTo).getTime() < Date.now() + 2 * 86_400_000) return undefined
    return c
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Bootstrap and addresses

/** Relay multiaddrs: URLs are read (their /bootstrap.json); a relay that does not answer is left out this round. */
async function resolveBootstrap(entries: readonly string[]): Promise<string[]> {
  const out: string[] = []
  const errors: string[] = []
  for (const e of entries) {
    if (!/^https?:\/\//i.test(e)) {
      out.push(e)
      continue
    }
    try {
      out.push(...(await fetchBootstrap({ origin: e, timeoutMs: 5000 })).multiaddrs)
    } catch (err) {
      errors.push((err as Error).message)
    }
  }
  if (out.length === 0 && errors.length > 0) throw new Error(errors.join('; '))
  return out
}

function entryIsPrivate(entry: string): boolean {
  try {
    const host = /^https?:\/\//i.test(entry)
      ? new URL(entry).hostname.replace(/^\[|\]$/g, '')
      : multiaddr(entry)
          .getComponents()
          .find((c) => ['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(c.name))?.value
    return host === 'localhost' || (host !== undefined && isPrivateIp(host) === true)
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------
// The host

export async function startHost(config: HostConfig, options: StartHostOptions = {}): Promise<RunningHost> {
  const log = options.log ?? ((m: string) => console.log(m))
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
  const unlock = await lockDir(config.dataDir)
  const cleanups: Array<() => Promise<unknown>> = [unlock]
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined)
  }
  try {
    await saveSettings(config)
    const privateKey = await loadOrCreateKey(join(config.dataDir, 'identity.key'))
    const storeDir = join(config.dataDir, 'store')
    const shares: FsShareStore = await openFsShareStore(storeDir, {
      keepFree: config.keepFree,
      onRecover: (r) => {
        const dropped = r.droppedRecords + r.orphanBytes + r.corruptRecords + r.tmpFiles
        if (dropped > 0) {
          log(
            `host: recovered the store: ${r.shares} shares kept; dropped ${r.droppedRecords} records without whole bytes, ${r.corruptRecords} unreadable records, ${r.orphanBytes} unclaimed byte files, ${r.tmpFiles} unfinished writes`,
          )
        }
      },
    })
    const records: FsRecordStore = await openFsRecordStore(storeDir)
    cleanups.push(
      () => shares.close(),
      () => records.close(),
    )

    // Read again whenever the keeper has failed a few rounds: a relay down at start is joined once it is up.
    const bootstrap = config.bootstrap.length > 0 ? () => resolveBootstrap(config.bootstrap) : []
    const privateNetwork = config.privateNetwork ?? (config.bootstrap.length > 0 && config.bootstrap.every(entryIsPrivate))
    const certFile = join(config.dataDir, 'webrtc-direct-cert.json')
    const certificate = await loadCertificate(certFile)
    let hostNode: HostNode
    try {
      hostNode = await createHostNode({
        privateKey,
        listen: config.listen,
        announce: config.announce,
        bootstrap,
        privateNetwork,
        announceLoopback: privateNetwork,
        ...(certificate ? { certificate } : {}),
        ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}),
        onRelayEvent: (e) => {
          if (e.type === 'connected') log(`host: connected to relay ${e.peerId}`)
          else if (e.type === 'failed' && e.attempt <= 1) log(`host: cannot reach the relay(s) yet (${e.error}); retrying`)
        },
      })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EADDRINUSE') throw new HostConfigError(`A listen address is in use (${(err as Error).message}): choose other ports with --listen.`)
      throw err
    }
    const { node } = hostNode
    cleanups.push(() => hostNode.stop())
    if (!certificate && hostNode.certificate()) await writeFileAtomic(certFile, JSON.stringify(hostNode.certificate()))

    const peerId = node.peerId.toString()
    const repairs =
      config.repairEvery > 0
        ? new DelegatedRepairs({
            net: libp2pNetwork(node),
            store: await openFsGrantStore(join(config.dataDir, 'grants')),
            lostAfterMs: config.repairLostAfter,
            log,
          })
        : undefined
    await repairs?.load()
    const repairTotals = { rounds: 0, placed: 0 }
    // Being paid: a price counts only with a payout account; escrows are checked on the ledger.
    const payments =
      config.price > 0 && config.payout !== ''
        ? {
            store: await openFsPaymentStore(join(config.dataDir, 'payments.json')),
            ledger: async () => (await import('../src/adapters/ledger/horizon.ts')).createHorizonLedger(hostLedger(config)),
            pricing: { price: config.price, account: config.payout },
          }
        : undefined
    if (config.price > 0 && !payments) log(`A price of ${config.price} stroops is set but no --payout account: this host stores for free.`)
    const host = new ShareHost(shares, peerId, config.quota, {
      records,
      describe: () => ({ kind: 'server', persistent: true }),
      ...(repairs ? { repairs } : {}),
      ...(payments ? { payments } : {}),
    })
    // Requests under way, so that a stop lets them finish.
    const inflight = new Set<Promise<void>>()
    await node.handle(
      SHARE_PROTOCOL,
      (stream: Stream, connection) => {
        const run = serveShareStream(host, stream, connection.remotePeer.toString())
          .catch((err: unknown) => stream.abort(err as Error))
          .finally(() => inflight.delete(run))
        inflight.add(run)
        return run
      },
      { maxInboundStreams: MAX_INBOUND_STREAMS, force: true },
    )
    const expiry = periodic(
      async () => {
        const gone = await host.expire()
        if (gone.shares > 0) log(`host: dropped ${gone.shares} shares (${gone.bytes} bytes) whose leases ended`)
      },
      options.expiry ?? { firstMs: 10_000, everyMs: 3600_000 },
    )
    expiry.start()
    cleanups.push(async () => expiry.stop())
    if (repairs) {
      const loop = periodic(
        async () => {
          const r = await repairs.round()
          repairTotals.rounds++
          repairTotals.placed += r.placed
          if (r.files > 0) log(`host: repair round: ${r.files} delegated file(s), ${r.placed} share(s) placed, ${r.unplaced} unplaced`)
          for (const s of r.skipped) log(`host: repair skipped ${s.owner.slice(0, 12)}…${s.fileId ? ` file ${s.fileId.slice(0, 8)}…` : ''}: ${s.reason}`)
        },
        { firstMs: Math.min(config.repairEvery, 30_000), everyMs: config.repairEvery },
      )
      loop.start()
      // Stopped first (cleanups run in reverse): no repair starts while the stores close.
      cleanups.push(async () => loop.stop())
    }

    const startedAt = Date.now()
    const multiaddrs = (): string[] => node.getMultiaddrs().map(String)
    const metricsText = async (): Promise<string> => {
      const used = await host.accounting.used()
      const r = await records.usage()
      const dht = node.services.dht as { routingTable?: { size: number } }
      const c = host.counters
      const gauges: Array<[string, 'gauge' | 'counter', string, number]> = [
        ['layr_host_quota_bytes', 'gauge', 'Bytes offered to others (shares and manifest records).', host.quota],
        ['layr_host_used_bytes', 'gauge', 'Bytes held for others (shares and manifest records).', used.bytes],
        ['layr_host_shares', 'gauge', 'Shares held.', used.shares],
        ['layr_host_records', 'gauge', 'Manifest records held.', r.records],
        ['layr_host_inflight_bytes', 'gauge', 'Announced store bodies not yet handled.', host.accounting.inflight],
        ['layr_host_price_stroops_per_gib_month', 'gauge', 'Price per GiB per 30 days (charged when a payout account is set).', payments ? config.price : 0],
        ['layr_host_connected_peers', 'gauge', 'Peers with an open connection.', node.getPeers().length],
        ['layr_host_connections', 'gauge', 'Open libp2p connections.', node.getConnections().length],
        ['layr_host_dht_routing_table_size', 'gauge', 'Peers in the kad-dht routing table.', dht.routingTable?.size ?? 0],
        ['layr_host_uptime_seconds', 'gauge', 'Seconds since the host started.', Math.round((Date.now() - startedAt) / 1000)],
        ['layr_host_stored_total', 'counter', 'Stores accepted.', c.stored],
        ['layr_host_served_total', 'counter', 'Fetches answered with bytes.', c.served],
        ['layr_host_audited_total', 'counter', 'Audits answered.', c.audited],
        ['layr_host_deleted_total', 'counter', 'Signed deletes carried out.', c.deleted],
        ['layr_host_renewed_total', 'counter', 'Lease renewals accepted.', c.renewed],
        ['layr_host_expired_total', 'counter', 'Shares dropped because their leases ended.', c.expired],
        ['layr_host_repair_grants', 'gauge', 'Owners who granted this host repair of their files.', repairs ? (await repairs.owners()).length : 0],
        ['layr_host_repair_rounds_total', 'counter', 'Repair rounds over delegated files.', repairTotals.rounds],
        ['layr_host_repair_placed_total', 'counter', 'Shares of delegated files rebuilt and placed on new hosts.', repairTotals.placed],
        ['layr_host_refused_total', 'counter', 'Requests refused (quota, bad request, unauthorized, not found).', c.refused],
      ]
      return gauges.map(([name, type, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`).join('')
    }

    let httpUrl: string | undefined
    if (config.http !== '') {
      const colon = config.http.lastIndexOf(':')
      const hostName = config.http.slice(0, colon).replace(/^\[|\]$/g, '')
      const port = Number(config.http.slice(colon + 1))
      const srv = createServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://host.invalid').pathname
        const send = (status: number, type: string, body: string): void => {
          res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
          res.end(body)
        }
        if (path === '/health') return send(200, 'application/json', JSON.stringify({ status: 'ok', peerId }))
        if (path === '/status.json') {
          return void host.accounting
            .used()
            .then((u) =>
              send(
                200,
                'application/json',
                JSON.stringify({ peerId, multiaddrs: multiaddrs(), quota: host.quota, used: u.bytes, shares: u.shares, price: config.price }),
              ),
            )
        }
        if (path === '/metrics') {
          return void metricsText().then(
            (t) => send(200, 'text/plain; version=0.0.4; charset=utf-8', t),
            () => send(500, 'text/plain', 'error\n'),
          )
        }
        send(404, 'text/plain', 'not found\n')
      })
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject)
        srv.listen(port, hostName, () => (srv.off('error', reject), resolve()))
      }).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new HostConfigError(`${config.http} is in use: choose another with --http.`)
        throw err
      })
      const a = srv.address() as AddressInfo
      httpUrl = `http://${hostName.includes(':') ? `[${hostName}]` : hostName}:${a.port}`
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            srv.close(() => resolve())
            srv.closeAllConnections()
          }),
      )
    }
    let stopping: Promise<void> | undefined
    return {
      peerId,
      node,
      host,
      config,
      httpUrl,
      multiaddrs,
      metricsText,
      stop() {
        stopping ??= (async () => {
          // No new requests; those under way finish (their stores land on disk and are answered).
          await node.unhandle(SHARE_PROTOCOL).catch(() => undefined)
          const drained = Promise.all([...inflight])
          await Promise.race([drained, new Promise((r) => setTimeout(r, DRAIN_MS).unref())])
          await cleanup()
        })()
        return stopping
      },
    }
  } catch (err) {
    await cleanup()
    throw err
  }
}

/** The ledger a host checks escrows on: its first relay's own /ledger, testnet, or a Horizon it was given. */
export function hostLedger(config: Pick<HostConfig, 'ledger' | 'ledgerPassphrase' | 'bootstrap'>): LedgerNetwork {
  if (config.ledger === 'testnet') return TESTNET
  if (config.ledger !== '') return { kind: 'custom', horizonUrl: config.ledger.replace(/\/+$/, ''), passphrase: config.ledgerPassphrase }
  const relay = config.bootstrap.find((b) => /^https?:\/\//i.test(b))
  if (!relay)
    throw new HostConfigError(
      'No relay URL to find the local ledger on: give --ledger (testnet or a Horizon URL), or a relay as an http(s) URL in --bootstrap.',
    )
  return localNetwork(new URL(relay).origin)
}
