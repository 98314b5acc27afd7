/**
 * The browser composition root: the facade assembled from this tab's parts — IndexedDB for the
 * owner's records and the vault, localStorage for settings and health, the network runtime
 * (libp2p over WebRTC, loaded on first start) and the encoder Workers.
 */
import { openIdbRecordStore } from '../adapters/storage/idb-records.ts'
import { openIdbUploadJournal } from '../adapters/local/upload-journal.ts'
import { openIdbEscrowBook } from '../adapters/local/escrow-book.ts'
import { loadStoredVault, saveStoredVault } from '../adapters/local/vault-store.ts'
import { loadSettings, saveSettings } from '../adapters/local/settings-store.ts'
import { loadHealth, saveHealth } from '../adapters/local/health-store.ts'
import { loadReputation, saveReputation } from '../adapters/local/reputation-store.ts'
import { loadDelegation, saveDelegation } from '../adapters/local/delegation-store.ts'
import { workerEncoder } from '../adapters/encoding/worker-encoder.ts'
import { net } from '../net/runtime.ts'
import type { Layr } from './api.ts'
import { createLayr } from './client.ts'
import type { PeerRuntime } from './parts.ts'
import type { MaintenanceTiming } from './maintenance.ts'

export interface OpenOptions {
  /** Start the network (and hosting, when enabled) in the background. Default true. */
  readonly autostart?: boolean
  /** IndexedDB name of this owner's manifest records. */
  readonly filesDb?: string
  /** IndexedDB name of hosted shares (records go to `${hostDb}-records`). */
  readonly hostDb?: string
  /** Shorter audit and repair timings (test builds). */
  readonly maintenance?: Partial<MaintenanceTiming>
}

/** The tab's network runtime as the facade's PeerRuntime. */
const browserPeers: PeerRuntime = {
  start: (options) => net.start(options?.bootstrap ? { bootstrap: options.bootstrap } : {}),
  get started() {
    return net.node !== undefined
  },
  get role() {
    return net.role
  },
  status: () => net.status(),
  network: () => {
    if (!net.lib || !net.node) throw new Error('The network is not started.')
    return net.lib.libp2pNetwork(net.node)
  },
  host: (quota, db, payments) => net.hostShares(quota, db, payments),
  unhost: () => net.unhostShares(),
}

let opened: Promise<Layr> | undefined

/** This tab's Layr (made on the first call; later calls return the same one, whatever their options). */
export function openLayr(options: OpenOptions = {}): Promise<Layr> {
  opened ??= (async () => {
    const records = await openIdbRecordStore(options.filesDb ?? 'layr-files')
    const uploads = await openIdbUploadJournal(`${options.filesDb ?? 'layr-files'}-uploads`)
    const escrows = await openIdbEscrowBook(`${options.filesDb ?? 'layr-files'}-escrows`)
    return createLayr(
      {
        records,
        vaults: { load: loadStoredVault, save: saveStoredVault },
        settings: { load: () => loadSettings(), save: (s) => saveSettings(s) },
        health: { load: () => loadHealth(), save: (h) => saveHealth(h) },
        reputation: { load: () => loadReputation(), save: (r) => saveReputation(r) },
        delegation: { load: () => loadDelegation(), save: (d) => saveDelegation(d) },
        ...(options.maintenance ? { maintenance: options.maintenance } : {}),
        peers: browserPeers,
        encoder: () => workerEncoder(),
        ...(navigator.storage?.persist ? { persistStorage: () => navigator.storage.persist() } : {}),
        hostDb: options.hostDb ?? 'layr-host',
        uploads,
        escrows,
        origin: location.origin,
        // stellar-sdk and freighter-api come in chunks of their own, loaded when first needed.
        ledger: async (network) => (await import('../adapters/ledger/horizon.ts')).createHorizonLedger(network),
        wallet: async (ledger) => (await import('../adapters/wallet/freighter.ts')).createFreighterWallet({ ledger }),
      },
      { autostart: options.autostart !== false },
    )
  })()
  opened.catch(() => (opened = undefined)) // a failed open may be retried
  return opened
}
