/**
 * What a Layr is made of, passed in explicitly (in the spirit of js-libp2p's components): the
 * owner's stores, the peer runtime and the encoder. The browser composition root (browser.ts)
 * assembles IndexedDB, localStorage, libp2p over WebRTC and the Workers; a Node root can assemble
 * the same facade from other adapters, and tests from memory ones.
 */
import type { EncoderFactory } from '../core/pipeline/segment-encoder.ts'
import type { ShareHost } from '../net/share/host.ts'
import type { NetworkStatus } from '../net/status.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import type { RecordStore } from '../ports/record-store.ts'
import type { UploadJournal } from '../ports/upload-journal.ts'
import type { StoredVault } from '../adapters/local/vault-store.ts'
import type { StoredSettings } from '../adapters/local/settings-store.ts'
import type { FileHealth } from './api.ts'
import type { HostReputation } from '../core/audit/index.ts'
import type { MaintenanceTiming } from './maintenance.ts'
import type { Ledger, LedgerNetwork } from '../ports/ledger.ts'
import type { Wallet, WalletNetwork } from '../ports/wallet.ts'
import type { EscrowBook } from '../ports/escrow-book.ts'
import type { HostPricing } from '../net/share/payments.ts'
import type { StoredDelegation } from './delegation.ts'

/** Where the vault is kept on this device: the recovery text, or its passphrase-locked record. */
export interface VaultStore {
  load(): Promise<StoredVault | undefined>
  save(v: StoredVault): Promise<void>
}

/** A small value kept on this device (settings, health). */
export interface Kept<T> {
  load(): T
  save(v: T): void
}

/** This device's peer: its node on the network, and the host it may run for others. */
export interface PeerRuntime {
  /** Starts the node once; later calls return the running node's status. */
  start(options?: { readonly bootstrap?: readonly string[] }): Promise<NetworkStatus>
  readonly started: boolean
  /** 'client' when another tab of this profile is the peer (this one may not host). */
  readonly role: 'peer' | 'client' | undefined
  status(): NetworkStatus
  /** The owner's view of the network (after start). */
  network(): PeerNetwork
  /**
   * Hosts shares and records for others, up to `quota` bytes (the same host on later calls). With
   * `payments`, the host can take escrows (kept beside the shares) on that ledger at that price.
   */
  host(quota: number, db: string, payments?: HostPaymentParts): Promise<ShareHost>
  unhost(): Promise<void>
}

/** What a host needs to be paid: the ledger (made when first needed) and its price. */
export interface HostPaymentParts {
  readonly ledger: () => Promise<Ledger>
  readonly pricing: HostPricing
}

export interface LayrParts {
  /** The owner's own list of files (manifest records). */
  readonly records: RecordStore
  readonly vaults: VaultStore
  readonly settings: Kept<StoredSettings>
  readonly health: Kept<Map<string, FileHealth>>
  /** What this owner knows of each host it audits. */
  readonly reputation: Kept<Map<string, HostReputation>>
  /** The repair grant of this device (layr/delegation.ts); kept in memory when absent. */
  readonly delegation?: Kept<StoredDelegation | undefined>
  /** How often audits and repair run (tests shorten it). */
  readonly maintenance?: Partial<MaintenanceTiming>
  readonly peers: PeerRuntime
  /** Made on first use (the browser's starts Workers). */
  readonly encoder: () => EncoderFactory
  /** Asks for storage that the device does not evict; undefined where there is no such thing. */
  readonly persistStorage?: () => Promise<boolean>
  /** Where hosted shares are kept (the host's database name). */
  readonly hostDb: string
  /** Backups being placed, as far as they got (so an interrupted one can be resumed or discarded). */
  readonly uploads: UploadJournal
  /** When the owner's leases are renewed: first after the network is up, then every (default 30 s, 12 h; tests shorten it). */
  readonly renewal?: { readonly firstMs: number; readonly everyMs: number }
  /** The device's clock (tests move it); default Date.now. */
  readonly now?: () => number
  /** The page's origin: the `local` ledger is its /ledger. */
  readonly origin?: string
  /** Makes the Ledger for a network (the browser's loads the Horizon adapter on first use). Without it, ledger calls fail. */
  readonly ledger?: (network: LedgerNetwork) => Promise<Ledger>
  /** Makes the Wallet for the app's ledger (the browser's loads the Freighter adapter on first use). */
  readonly wallet?: (ledger: WalletNetwork) => Promise<Wallet>
  /** The escrows this owner's uploads funded (without it, hosts that charge are left out). */
  readonly escrows?: EscrowBook
}
