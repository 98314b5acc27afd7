/**
 * The one programmatic face of Layr in a tab: what the UI (src/state, src/ui) and the
 * end-to-end tests use. Everything below it (core pipeline, net, adapters) is reached only
 * through this interface. Every method fails with a typed LayrError (stable `name`, a message a
 * person can act on); long work reports typed progress events.
 */
import type { BackupProgress, DeleteProgress } from '../transfer/index.ts'
import type { PipelineProgress } from '../core/pipeline/index.ts'
import type { NetworkStatus } from '../net/status.ts'

export type { BackupProgress, PipelineProgress, NetworkStatus }

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
  readonly health: FileHealth | undefined
}

export interface FileHealth {
  /** Fewest shares of any one segment whose holder answered, out of n. */
  readonly live: number
  readonly n: number
  readonly k: number
  /** Milliseconds since the epoch. */
  readonly checkedAt: number
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
}

export interface PeerPlacement {
  readonly peerId: string
  /** Shares of this owner's files the manifests place on that peer. */
  readonly shares: number
  readonly connected: boolean
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
}

export interface Layr {
  /** Resolves once the app's background start (network, then hosting when enabled) settled. */
  readonly ready: Promise<void>
  readonly vault: VaultApi
  readonly settings: SettingsApi
  readonly hosting: HostingApi
  readonly network: NetworkApi
  /** Encrypts, codes and places `file`, then saves its manifest locally and on the network. */
  backup(file: File | Blob, options?: BackupJobOptions & { name?: string }): Promise<FileEntry>
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
  /** Asks each share's holder whether it still has it. */
  checkHealth(fileId: string): Promise<FileHealth>
}
