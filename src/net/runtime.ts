/**
 * This tab's network node: the one runtime the app (src/layr/client.ts) reaches the network
 * through. libp2p (about 600 KB) is loaded on the first `start()` as a separate chunk (a dynamic
 * import), so importing this file costs the app nothing until the network is used.
 * Builds made for tests also put it on `window.layrNet` (src/testing/window-hooks.ts).
 */
import type * as Net from './index.ts'
import { fromHex } from '../core/bytes.ts'
import type { Ledger } from '../ports/ledger.ts'
import type { HostPricing } from './share/payments.ts'
import { browserHostDescription } from './self-description.ts'

export type NetModule = typeof Net

export interface StartOptions {
  /** Relay multiaddrs; default: /bootstrap.json of `origin`. */
  readonly bootstrap?: readonly string[]
  /** Default: the page's origin. */
  readonly origin?: string
  /** Default: whether the page's host is loopback or private. */
  readonly loopback?: boolean
}

export interface LayrNet {
  /** Starts this tab's node (once; later calls return the running node's status). */
  start(options?: StartOptions): Promise<Net.NetworkStatus>
  readonly node: Net.PeerNode | undefined
  /** The network module, loaded by start(). */
  readonly lib: NetModule | undefined
  /** Relay connection events since start, with their time (performance.now()). */
  readonly relayEvents: ReadonlyArray<{ readonly at: number; readonly event: Net.KeeperEvent }>
  status(): Net.NetworkStatus
  waitForCircuitAddress(timeoutMs?: number): Promise<string[]>
  /** Closest peers to a key (hex), or to a random key. */
  closestPeers(keyHex?: string, timeoutMs?: number): Promise<string[]>
  findPeer(peerId: string, timeoutMs?: number): Promise<string[]>
  /**
   * 'peer' when this tab is the profile's peer (persistent identity, may host); 'client' when
   * another tab of this profile already is, so this one runs with a throwaway identity.
   */
  readonly role: 'peer' | 'client' | undefined
  /**
   * Hosts shares (and manifest records) for other peers in this tab, kept in IndexedDB databases
   * `dbName` and `${dbName}-records`, up to `quota` bytes. Calling it again returns the same host.
   * With `payments` it takes escrows on that ledger at that price, kept in `${dbName}-payments`.
   */
  hostShares(quota: number, dbName?: string, payments?: { readonly ledger: () => Promise<Ledger>; readonly pricing: HostPricing }): Promise<Net.ShareHost>
  /** Stops answering the share protocol; what is stored stays stored. */
  unhostShares(): Promise<void>
  stop(): Promise<void>
}

let lib: NetModule | undefined
let node: Net.PeerNode | undefined
let starting: Promise<Net.NetworkStatus> | undefined
let role: 'peer' | 'client' | undefined
let hosting: Promise<{ host: Net.ShareHost; close(): Promise<void> }> | undefined
const relayEvents: Array<{ at: number; event: Net.KeeperEvent }> = []

function running(): { lib: NetModule; node: Net.PeerNode } {
  if (!lib || !node) throw new Error('The network is not started: call start() first.')
  return { lib, node }
}

async function start(options: StartOptions = {}): Promise<Net.NetworkStatus> {
  const net = (lib ??= await import('./index.ts'))
  const origin = options.origin ?? location.origin
  const bootstrap = options.bootstrap ?? (await net.fetchBootstrap({ origin })).multiaddrs
  const identity = await net.peerIdentity()
  role = identity.role
  node = await net.createPeerNode({
    bootstrap,
    privateKey: identity.privateKey,
    loopback: options.loopback ?? net.isPrivateHost(new URL(origin).hostname),
    // Only refetch when the addresses came from /bootstrap.json in the first place.
    refreshBootstrap: options.bootstrap ? undefined : async () => (await net.fetchBootstrap({ origin, timeoutMs: 3000 })).multiaddrs,
    onRelayEvent: (event) => relayEvents.push({ at: performance.now(), event }),
  })
  return net.networkStatus(node)
}

const api: LayrNet = {
  start(options) {
    if (node) return Promise.resolve(running().lib.networkStatus(running().node))
    starting ??= start(options).finally(() => (starting = undefined))
    return starting
  },
  get node() {
    return node
  },
  get lib() {
    return lib
  },
  get role() {
    return role
  },
  relayEvents,
  status() {
    const r = running()
    return r.lib.networkStatus(r.node)
  },
  waitForCircuitAddress(timeoutMs) {
    const r = running()
    return r.lib.waitForCircuitAddress(r.node, { timeoutMs })
  },
  closestPeers(keyHex, timeoutMs) {
    const r = running()
    const key = keyHex ? fromHex(keyHex) : crypto.getRandomValues(new Uint8Array(32))
    return r.lib.closestPeers(r.node, key, { timeoutMs })
  },
  findPeer(peerId, timeoutMs) {
    const r = running()
    return r.lib.findPeer(r.node, peerId, { timeoutMs })
  },
  hostShares(quota, dbName = 'layr-host', payments) {
    const r = running()
    if (role === 'client') return Promise.reject(new r.lib.NotThePeerTabError())
    // One start at a time: a second call while the first is opening gets the same host.
    hosting ??= (async () => {
      const [shares, records, kept] = await Promise.all([
        r.lib.openIdbShareStore(dbName),
        r.lib.openIdbRecordStore(`${dbName}-records`),
        payments ? r.lib.openIdbPaymentStore(`${dbName}-payments`) : undefined,
      ])
      const host = new r.lib.ShareHost(shares, r.node.peerId.toString(), quota, {
        records,
        describe: browserHostDescription,
        ...(payments && kept ? { payments: { store: kept, ledger: payments.ledger, pricing: payments.pricing } } : {}),
      })
      await r.lib.mountShareHost(r.node, host)
      return { host, close: async () => void (await Promise.all([shares.close(), records.close(), kept?.close()])) }
    })()
    const current = hosting
    current.catch(() => hosting === current && (hosting = undefined))
    return current.then((h) => h.host)
  },
  async unhostShares() {
    const current = hosting
    hosting = undefined
    if (!current) return
    const h = await current.catch(() => undefined)
    if (!h) return
    await node?.unhandle(running().lib.SHARE_PROTOCOL)
    await h.close()
  },
  async stop() {
    const current = node
    await api.unhostShares()
    node = undefined
    await current?.stop()
  },
}

/** This tab's network (one per tab). */
export const net: LayrNet = api
