/**
 * The one programmatic face of Layr in a tab: what the UI (src/state, src/ui) and the
 * end-to-end tests use. Everything below it (core pipeline, net, adapters) is reached only
 * through this interface. Every method fails with a typed LayrError (stable `name`, a message a
 * person can act on); long work reports typed progress events.
 */
import type { BackupProgress, DeleteProgress, RepairProgress } from '../transfer/index.ts'
import type { PipelineProgress } from '../core/pipeline/index.ts'
import type { NetworkStatus } from '../net/status.ts'
import type { LedgerChoice, LedgerNetwork } from '../ports/ledger.ts'
import type { SignOptions, WalletError, WalletNetwork, WalletState } from '../ports/wallet.ts'
import type { PaymentQuote, PayDecision } from '../transfer/pay.ts'
import type { EscrowState, WindowState } from '../pay/status.ts'
import type { DelegationApi } from './delegation.ts'

export type { BackupProgress, PipelineProgress, NetworkStatus, RepairProgress }
export type { LedgerChoice, LedgerNetwork, SignOptions, WalletError, WalletNetwork, WalletState }

/** The file as the Files view lists it. `id` is the hex of the manifest's 16-byte file id. */
export interface FileEntry {
  readonly id: string
  readonly name: string
  readonly size: number
  readonly type: string
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  readonly k: number
  readonly n: number
  readonly segments: number
  /** Distinct peers holding its shares (from the manifest). */
  readonly hosts: readonly string[]
  /**
   * Hosts the file can lose, whichever they are, and still be restored, from where its shares were
   * placed (the weakest segment; a host holding several shares of a segment counts once). Not
   * verified: `health.survives` is what the last check proved.
   */
  readonly placedSurvives: number
  readonly health: FileHealth | undefined
}

/**
 * What the last audit round found (checked: holders answered; verified: they proved the data).
 * Segment figures are the weakest segment's, out of n.
 */
export interface FileHealth {
  readonly k: number
  readonly n: number
  /** The repair threshold: repair runs when `counted` falls below it. */
  readonly r: number
  /** Shares that passed their audit. */
  readonly verified: number
  /** Shares whose holder answered at all (right or wrong). */
  readonly answered: number
  /** Verified shares plus those whose holder has been away for less than the wait. */
  readonly counted: number
  /** Hosts the file can lose, whichever they are, and still be restored (from verified shares); -1: it cannot be restored now. */
  readonly survives: number
  /** Shares (of all segments) whose holder answered wrong, late or not at all (`offline`). */
  readonly failed: number
  readonly offline: number
  /** Distinct hosts behind those shares. */
  readonly failedHosts: number
  readonly awayHosts: number
  readonly shares: number
  /** What went wrong with which share in the last round (the first few), for the details. */
  readonly findings: readonly HealthFinding[]
  readonly needsRepair: boolean
  readonly repairable: boolean
  /** Milliseconds since the epoch. */
  readonly checkedAt: number
  /** The last repair: what it placed, or why it could not. */
  readonly repair?: {
    readonly at: number
    readonly placed: number
    readonly unplaced: number
    /** Of `placed`, shares moved off a host that held several of a segment (not rebuilt); and such shares that found no new host. */
    readonly spread?: number
    readonly unspread?: number
    readonly error?: { readonly name: string; readonly message: string }
  }
}

export interface HealthFinding {
  readonly segment: number
  readonly share: number
  readonly peer: string
  readonly outcome: 'wrong' | 'missing' | 'late' | 'disqualified' | 'offline'
  readonly detail: string
}

export interface RepairReport {
  /** Shares placed on new hosts: rebuilt, or moved (`spread`). */
  readonly placed: number
  /** Lost shares that found no new host (they stay where they were). */
  readonly unplaced: number
  /** Of `placed`, shares moved off a host that held several of their segment (a reduced placement spread out). */
  readonly spread: number
  /** Shares still doubled up on a host because no new host was free: not an error; the file survives fewer losses until more hosts appear. */
  readonly unspread: number
  readonly health: FileHealth
}

/** Audits and repairs, by the background loop or on demand, as they run. */
export type MaintenanceEvent =
  | { readonly type: 'check:start'; readonly fileId: string }
  | { readonly type: 'check:progress'; readonly fileId: string; readonly done: number; readonly total: number }
  | { readonly type: 'check:done'; readonly fileId: string; readonly health: FileHealth }
  | { readonly type: 'repair:start'; readonly fileId: string }
  | { readonly type: 'repair:progress'; readonly fileId: string; readonly done: number; readonly total: number }
  | { readonly type: 'repair:done'; readonly fileId: string; readonly placed: number; readonly unplaced: number; readonly health: FileHealth }
  | {
      readonly type: 'repair:failed'
      readonly fileId: string
      readonly error: { readonly name: string; readonly message: string }
      readonly health: FileHealth | undefined
    }

/** How an audit is sized, and what it catches (core/audit), for the app to show. */
export interface AuditFigures {
  /** Leaves one audit asks of a full share, and the share's leaves. */
  readonly leavesAsked: number
  readonly leaves: number
  /** The chance one audit catches a host that kept half of a share. */
  readonly catchHalfPerAudit: number
  /** Audits after which such a host is caught with probability 1 − 2⁻²⁰. */
  readonly auditsToCatchHalf: number
  readonly auditEveryMs: number
  readonly retryMs: number
}

export type RemoveProgress = DeleteProgress

export interface RemoveReport {
  /** Shares deleted at their hosts. */
  readonly deleted: number
  /** Shares whose host could not be reached (they expire with the host's data, or a later remove). */
  readonly unreachable: number
  /** Peers that now keep the removal on the network (0: only this browser knows yet; a later sync tells them). */
  readonly recordCopies: number
}

/** One step of a backup, for progress bars: what the UI shows as the file's stage. */
export type BackupStage = 'finding-hosts' | 'encrypting' | 'placing' | 'saving-manifest' | 'done'

export type LayrBackupProgress =
  | BackupProgress
  | { readonly type: 'stage'; readonly stage: BackupStage }
  /** The manifest is kept on `copies` peers besides this browser (0: only here, for now). */
  | { readonly type: 'manifest:saved'; readonly copies: number }

export type LayrRestoreProgress =
  | PipelineProgress
  /** A host answered with bytes that fail their Merkle root (or could not be reached). */
  | {
      readonly type: 'restore:bad-host'
      readonly peer: string
      readonly segmentIndex: number
      readonly shareIndex: number
      readonly reason: 'corrupt' | 'unreachable' | 'missing'
    }

export interface RestoreReport {
  readonly bytes: number
  /** Hosts that answered with corrupt bytes (their shares were replaced by others). */
  readonly corruptHosts: readonly string[]
}

export interface BackupJobOptions {
  readonly onProgress?: (e: LayrBackupProgress) => void
  readonly signal?: AbortSignal
  /**
   * The file's handle (File System Access API) when it came with one (a drop in Chromium): kept
   * with the interrupted backup so Resume can read the file again without asking for it.
   */
  readonly handle?: FileSystemFileHandle
  /**
   * Asked, before the wallet is, when some of the planned hosts charge: the quote (what the hosts
   * are paid, what is locked and comes back, the fees). 'pay' funds their escrows (one signature in
   * the wallet), 'free' plans again with free hosts only. Without it, hosts that charge are left out.
   */
  readonly confirmPayment?: (quote: PaymentQuote) => Promise<PayDecision>
}

/** A backup that did not finish (the tab was reloaded or closed, or it crashed): it can be resumed or discarded. */
export interface InterruptedBackup {
  /** The backup's id: the hex of the file id it will have. */
  readonly id: string
  readonly name: string
  readonly size: number
  /** The file's lastModified when the backup began (to help the user pick the same file; its size must match). */
  readonly lastModified: number
  /** Milliseconds since the epoch. */
  readonly startedAt: number
  /** Shares that reached their hosts, and all the file's shares. */
  readonly placed: number
  readonly total: number
  /** Resume can read the file again by itself (a kept handle); otherwise the user picks it again. */
  readonly hasHandle: boolean
  /** How long the hosts keep the placed shares unless the backup is resumed (ms since the epoch). */
  readonly keptUntil: number
}

export interface RestoreOptions {
  readonly onProgress?: (e: LayrRestoreProgress) => void
  readonly signal?: AbortSignal
}

export interface VaultApi {
  /** Whether this browser holds a vault (after create or import), locked or not. */
  readonly exists: boolean
  /** The vault here is kept under a passphrase and this tab has not unlocked it yet. */
  readonly locked: boolean
  /** The vault here is kept under a passphrase (locked or not). */
  readonly hasPassphrase: boolean
  /** Hex of the owner's public key; undefined without a vault or while locked. */
  readonly ownerId: string | undefined
  /**
   * Makes a new vault and returns its recovery text. It is kept in this browser at once (without a
   * passphrase), unless `keep` is false: then only this tab holds it until keep() or
   * setPassphrase() stores it, so a vault meant to be locked is never written in the clear.
   */
  create(options?: { readonly keep?: boolean }): Promise<string>
  /** Keeps the current vault in this browser without a passphrase (after create({ keep: false })). */
  keep(): Promise<void>
  /**
   * Replaces this browser's vault with the one in `text` (RecoveryTextError when it is not valid),
   * kept under `passphrase` when one is given (WeakPassphraseError when it is too short), else plain.
   */
  importRecoveryText(text: string, options?: { readonly passphrase?: string }): Promise<void>
  /** Opens the locked vault (WrongPassphraseError, or LockedVaultCorruptError for a damaged record). */
  unlock(passphrase: string): Promise<void>
  /**
   * Keeps the vault in this browser under `passphrase` from now on, replacing the plain copy (or
   * the copy under an older passphrase). WeakPassphraseError when it is too short.
   */
  setPassphrase(passphrase: string): Promise<void>
  /** Keeps the vault in this browser without a passphrase again. */
  removePassphrase(): Promise<void>
  /** The recovery text of the current vault (NoVaultError without one, VaultLockedError while locked). */
  recoveryText(): string
}

export interface HostingStats {
  readonly enabled: boolean
  /** Bytes this tab offers to other peers. */
  readonly quota: number
  readonly used: number
  readonly shares: number
  /** Requests answered since hosting started in this tab. */
  readonly served: number
  readonly stored: number
  readonly refused: number
  /** navigator.storage.persist()'s answer; undefined until asked. */
  readonly persisted: boolean | undefined
  /** 'peer' hosts; 'client' means another tab of this profile is the peer (NotThePeerTabError). */
  readonly role: 'peer' | 'client' | undefined
  /** Why hosting could not start, when it could not. */
  readonly error: { readonly name: string; readonly message: string } | undefined
  /** Shares held whose every owner's lease ends within `within` ms (their owners have not renewed), and when the first ends. */
  readonly expiring: { readonly within: number; readonly shares: number; readonly bytes: number; readonly next: number | undefined }
  /** Shares dropped since hosting started in this tab because their leases ended. */
  readonly expired: number
}

export interface HostingApi {
  /** The saved choice (default on): the app starts hosting when it opens. */
  readonly enabled: boolean
  /** The saved quota in bytes (default 1 GiB). */
  readonly quota: number
  /** Starts hosting with the saved quota (or `quota`), asks for persistent storage, saves enabled. */
  start(quota?: number): Promise<HostingStats>
  stop(): Promise<void>
  /** Saved and enforced at once; shares already held are kept even above a lowered quota. */
  setQuota(bytes: number): Promise<void>
  stats(): Promise<HostingStats>
  /** What this tab charges as a host, stroops per GiB-month (0: free, the default). */
  readonly price: number
  /** The account (G…) escrows must pay this tab; undefined until set. */
  readonly payoutAccount: string | undefined
  /**
   * Saves the price and payout account and applies them at once. InvalidInputError unless the price is
   * a whole number of stroops ≥ 0 and, for a price above 0, the account is a Stellar account id (G…).
   */
  setPricing(pricing: { readonly price: number; readonly account?: string | undefined }): Promise<void>
  /** What this tab earned as a host: every claim it made, and their sum. Empty while hosting is off. */
  earnings(): Promise<HostEarnings>
}

export interface HostClaim {
  readonly escrow: string
  readonly window: number
  /** Stroops paid. */
  readonly amount: bigint
  /** Hex hash of the claim transaction. */
  readonly hash: string
  /** Milliseconds since the epoch. */
  readonly at: number
}

export interface HostEarnings {
  /** Stroops, all claims together. */
  readonly total: bigint
  /** Newest first. */
  readonly claims: readonly HostClaim[]
}

export interface PeerPlacement {
  readonly peerId: string
  /** Shares of this owner's files the manifests place on that peer. */
  readonly shares: number
  readonly connected: boolean
  /** This owner's view of the host (undefined until it was audited). */
  readonly reputation?: HostScore
}

export interface HostScore {
  /** Forgetting Beta scores, 0 to 1. */
  readonly audit: number
  readonly online: number
  readonly passed: number
  readonly failed: number
  /** Its audit score fell below the threshold: it gets no new shares and its shares are replaced. */
  readonly disqualified: boolean
  readonly lastSeen?: number
  readonly offlineSince?: number
}

export interface NetworkApi {
  /** Starts this tab's node (idempotent). */
  start(): Promise<NetworkStatus>
  status(): NetworkStatus | undefined
  /** Why the last start failed (the app keeps retrying in the background); undefined once running. */
  readonly lastError: { readonly name: string; readonly message: string } | undefined
  /** Peers this owner's manifests place shares on. */
  placements(): Promise<PeerPlacement[]>
  /** Called when peers or relay state change (at most every 500 ms). Returns an unsubscribe. */
  subscribe(listener: (s: NetworkStatus) => void): () => void
}

export interface SettingsApi {
  /** Redundancy for new backups. */
  readonly k: number
  readonly n: number
  /** InvalidPolicyError for impossible values. */
  setRedundancy(k: number, n: number): Promise<void>
  /** Relay multiaddrs, or [] for the page's own /bootstrap.json. */
  readonly relays: readonly string[]
  setRelays(relays: readonly string[]): Promise<void>
  /** How long a host may be unreachable before its shares are rebuilt elsewhere (ms). */
  readonly lostAfterMs: number
  /** InvalidInputError unless a whole number of ms from 0 to 30 days. */
  setLostAfter(ms: number): Promise<void>
  /**
   * How long hosts keep this owner's shares after the owner's last renewal (ms; default 90 days).
   * The app renews while it is open (with each day's checks), so a file is dropped only by hosts
   * the owner has not been in touch with for this long.
   */
  readonly leaseMs: number
  /** InvalidInputError unless a whole number of ms from 7 to 365 days. */
  setLease(ms: number): Promise<void>
  /** The most this owner pays a host, stroops per GiB-month (default 1 XLM): placement prefers hosts within it. */
  readonly maxPrice: number
  /** InvalidInputError unless a whole number of stroops from 0 (free hosts only) to 10,000 XLM. */
  setMaxPrice(stroops: number): Promise<void>
  /** Where payments go: `local` (this relay's development ledger, the default), `testnet`, or a custom Horizon. */
  readonly ledger: LedgerChoice
  /** The network the setting points at (Horizon URL, passphrase, friendbot). */
  readonly ledgerNetwork: LedgerNetwork
  /**
   * InvalidInputError for a custom ledger that cannot be used (the message says why). Hosting and the
   * wallet use the new ledger at once. The page can reach a Horizon only if the relay's security policy
   * lists its origin (LAYR_LEDGER_ORIGINS; testnet's is there by default).
   */
  setLedger(choice: LedgerChoice): Promise<void>
}

/** The ledger of the settings, for reading balances and getting test lumens. */
export interface LedgerApi {
  readonly network: LedgerNetwork
  /** Whether `fund` can work (the network has a friendbot: local and testnet). */
  readonly canFund: boolean
  /** The account's balance in stroops; undefined when the account does not exist on this ledger (yet). */
  balance(account: string): Promise<bigint | undefined>
  /** Creates and funds the account with test lumens (FundingUnavailableError where there is no friendbot). */
  fund(account: string): Promise<void>
}

/**
 * The owner's wallet (Freighter), for the ledger of the settings. Its adapter is loaded on first use
 * (a separate chunk), so the app costs nothing more for those who never open the Wallet view. Every
 * failure is a WalletError subclass (WalletMissingError, WalletRejectedError, WalletNetworkError, …).
 */
export interface WalletApi {
  /** The network the wallet must be on: the app's ledger. */
  readonly ledger: WalletNetwork
  /** Whether Freighter is in this browser; false within a few seconds when it is not. */
  detect(): Promise<boolean>
  /** Asks the owner to let Layr use an account (a click in Freighter); its address. */
  connect(): Promise<string>
  /** The connected account (WalletNotConnectedError before connect). */
  address(): Promise<string>
  /** The wallet's network now. */
  network(): Promise<WalletNetwork>
  /** Asks the owner to sign (always for the app's ledger's passphrase unless told otherwise). */
  signTransaction(xdr: string, options?: SignOptions): Promise<string>
  /** Follows account and network switches (once at the start, then on each change). Returns the stop function. */
  watch(onChange: (state: WalletState) => void, onError?: (error: WalletError) => void): () => void
}

/** One escrow this owner funded, and what became of it (read from the ledger). */
export interface EscrowView {
  readonly account: string
  readonly fileId: string
  /** The file's name, when it is in the file list. */
  readonly fileName?: string
  readonly host: string
  readonly payee: string
  /** funded, locked, closed (the last window paid), refunded, absent; 'unknown' when the ledger could not be read. */
  readonly state: EscrowState | 'unknown'
  readonly windows: readonly {
    readonly amount: bigint
    readonly due: number
    readonly deadline: number
    /** paid, failed, open, missed; 'unknown' when the ledger could not be read. */
    readonly state: WindowState | 'unknown'
    /** When the owner revealed this window's nonce (ms), and what the host said. */
    readonly revealedAt?: number
    readonly outcome?: string
  }[]
  /** Stroops the escrow holds now. */
  readonly balance: bigint
  /** Unix seconds: the refund returns what is left from then on. */
  readonly refundFrom: number
  readonly offered: boolean
  readonly createdAt: number
}

/** What this owner pays hosts: every escrow its backups funded. */
export interface PaymentsApi {
  /** Every escrow, newest first, with its state on the ledger. */
  escrows(): Promise<EscrowView[]>
  /** Per file (hex id): stroops its escrows pay if every window is claimed, and how many hosts. */
  costs(): Promise<Map<string, { readonly stroops: bigint; readonly hosts: number }>>
}

export interface MaintenanceApi {
  /** Called for every audit and repair step, whoever started it. Returns an unsubscribe. */
  subscribe(listener: (e: MaintenanceEvent) => void): () => void
  /** Files being checked or repaired now. */
  readonly active: ReadonlyMap<string, 'check' | 'repair'>
  readonly figures: AuditFigures
}

export interface Layr {
  /** Resolves once the app's background start (network, then hosting when enabled) settled. */
  readonly ready: Promise<void>
  readonly vault: VaultApi
  readonly settings: SettingsApi
  readonly hosting: HostingApi
  readonly network: NetworkApi
  readonly maintenance: MaintenanceApi
  readonly ledger: LedgerApi
  readonly wallet: WalletApi
  readonly payments: PaymentsApi
  /** Repair while this tab is closed: a Node host granted a repair capability (layr/delegation.ts). */
  readonly delegation: DelegationApi
  /** Encrypts, codes and places `file`, then saves its manifest locally and on the network. */
  backup(file: File | Blob, options?: BackupJobOptions & { name?: string }): Promise<FileEntry>
  /** Backups that were interrupted (reload, crash), oldest first. */
  interrupted(): Promise<InterruptedBackup[]>
  /**
   * Finishes an interrupted backup: places only the shares that are missing, reusing those that
   * landed. `file` is the same file picked again; without it the kept handle is read (it needs the
   * user's permission, so call this from a click). NeedFileError when neither gives the file;
   * FileChangedError when the file is not the one the backup began with (nothing more is sent);
   * BackupNotFoundError when there is no such interrupted backup.
   */
  resumeBackup(id: string, file?: File | Blob, options?: BackupJobOptions): Promise<FileEntry>
  /** Deletes what an interrupted backup placed, and forgets it. */
  discardBackup(id: string, options?: { onProgress?: (e: RemoveProgress) => void }): Promise<RemoveReport>
  /** Writes the file's bytes to `sink` (which is closed at the end, aborted on failure). */
  restore(fileId: string, sink: WritableStream<Uint8Array>, options?: RestoreOptions): Promise<RestoreReport>
  /** Files of this vault known in this browser. */
  files(): Promise<FileEntry[]>
  /**
   * Fetches this vault's manifests from the network and merges them in (for a restored vault), and
   * pushes this browser's to record peers that lack them. RecordsUnavailableError when no peer answered.
   */
  syncFiles(): Promise<FileEntry[]>
  /** Deletes the file's shares at their hosts and its manifest here and on the network. */
  remove(fileId: string, options?: { onProgress?: (e: RemoveProgress) => void }): Promise<RemoveReport>
  /** Where the file's shares are: for each segment, the peer holding each share, by share index. */
  placement(fileId: string): Promise<string[][]>
  /** Audits every share of the file at its holder now ("Check now"): verified health, and host reputations updated. */
  checkHealth(fileId: string, options?: { readonly signal?: AbortSignal }): Promise<FileHealth>
  /**
   * Audits, then rebuilds every lost share onto new hosts and saves the new revision ("Repair now").
   * RepairImpossibleError (nothing changed) when some segment has fewer than k verified shares.
   */
  repair(fileId: string, options?: { readonly onProgress?: (e: RepairProgress) => void; readonly signal?: AbortSignal }): Promise<RepairReport>
}
