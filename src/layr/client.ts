/**
 * The Layr facade (see api.ts): the vault kept in this browser, the owner's file list (sealed
 * manifest records in IndexedDB, mirrored on the network), backup/restore/remove over the peer
 * network, hosting and the network view. It wires core, net and adapters together and holds no
 * logic of its own beyond that wiring; each step it calls is tested where it lives.
 */
import { fromHex, toHex } from '../core/bytes.ts'
import { LayrError, makePolicy, openManifest, sealManifest, type FileManifest } from '../core/index.ts'
import { checkRecordManifest, signRecord, type ManifestRecord } from '../core/records/index.ts'
import { lockVault, unlockVault, Vault } from '../core/vault/index.ts'
import type { RecordStore } from '../ports/record-store.ts'
import { openIdbRecordStore } from '../adapters/storage/idb-records.ts'
import { loadStoredVault, saveStoredVault, type StoredVault } from '../adapters/local/vault-store.ts'
import { loadSettings, saveSettings, type StoredSettings } from '../adapters/local/settings-store.ts'
import { workerEncoder } from '../adapters/encoding/worker-encoder.ts'
import { loadHealth, saveHealth } from '../adapters/local/health-store.ts'
import { net } from '../net/runtime.ts'
import type { EncoderFactory } from '../core/pipeline/segment-encoder.ts'
import type {
  BackupJobOptions,
  FileEntry,
  FileHealth,
  HostingApi,
  HostingStats,
  Layr,
  NetworkApi,
  NetworkStatus,
  PeerPlacement,
  RemoveProgress,
  RemoveReport,
  RestoreOptions,
  RestoreReport,
  SettingsApi,
  VaultApi,
} from './api.ts'

/** The action needs a vault: create one or import a recovery text first. */
export class NoVaultError extends LayrError {
  override readonly name = 'NoVaultError'
  constructor() {
    super('There is no vault in this browser yet: create one, or restore one from its recovery text.')
  }
}

/** The vault here is kept under a passphrase that this tab has not been given yet. */
export class VaultLockedError extends LayrError {
  override readonly name = 'VaultLockedError'
  constructor() {
    super('Your vault is locked: enter its passphrase first (or open it with its recovery text).')
  }
}

/** No file with that id in this vault. */
export class FileNotFoundError extends LayrError {
  override readonly name = 'FileNotFoundError'
}

/** A removed file's record: revision above any real one, so nothing can bring the file back. */
const TOMBSTONE_REVISION = Number.MAX_SAFE_INTEGER

export interface OpenOptions {
  /** Start the network (and hosting, when enabled) in the background. Default true. */
  readonly autostart?: boolean
  /** IndexedDB name of this owner's manifest records. */
  readonly filesDb?: string
  /** IndexedDB name of hosted shares (records go to `${hostDb}-records`). */
  readonly hostDb?: string
}

let opened: Promise<Layr> | undefined

/** This tab's Layr (made on the first call; later calls return the same one, whatever their options). */
export function openLayr(options: OpenOptions = {}): Promise<Layr> {
  opened ??= createLayr(options)
  opened.catch(() => (opened = undefined)) // a failed open may be retried
  return opened
}

export async function createLayr(options: OpenOptions = {}): Promise<Layr> {
  const [records, stored] = await Promise.all([openIdbRecordStore(options.filesDb ?? 'layr-files'), loadStoredVault()])
  const vault = stored?.kind === 'plain' ? await Vault.fromRecoveryText(stored.recoveryText) : undefined
  const client = new LayrClient(records, vault, loadSettings(), options.hostDb ?? 'layr-host', stored?.kind === 'locked' ? stored : undefined)
  if (options.autostart !== false) client.autostart()
  return client
}

class LayrClient implements Layr {
  #vault: Vault | undefined
  /** The stored record while the vault is locked (undefined once unlocked, or when there is no passphrase). */
  #locked: { readonly record: unknown } | undefined
  #hasPassphrase: boolean
  /** The background sync was skipped because the vault was locked: run it on unlock. */
  #syncOnUnlock = false
  #settings: StoredSettings
  #manifests = new Map<string, { revision: number; manifest: FileManifest }>()
  #health = loadHealth()
  #encoder: EncoderFactory | undefined
  #host: Awaited<ReturnType<typeof net.hostShares>> | undefined
  #persisted: boolean | undefined
  #ready: Promise<void> = Promise.resolve()
  #startError: { name: string; message: string } | undefined
  #hostError: { name: string; message: string } | undefined

  readonly vault: VaultApi
  readonly settings: SettingsApi
  readonly hosting: HostingApi
  readonly network: NetworkApi

  constructor(
    private readonly records: RecordStore,
    vault: Vault | undefined,
    settings: StoredSettings,
    private readonly hostDb: string,
    locked?: { readonly record: unknown },
  ) {
    this.#vault = vault
    this.#locked = locked
    this.#hasPassphrase = locked !== undefined
    this.#settings = settings
    const self = this
    this.vault = {
      get exists() {
        return self.#vault !== undefined || self.#locked !== undefined
      },
      get locked() {
        return self.#locked !== undefined
      },
      get hasPassphrase() {
        return self.#hasPassphrase
      },
      get ownerId() {
        return self.#vault?.ownerId
      },
      create: async (options = {}) => {
        const v = await Vault.create()
        if (options.keep === false) self.#holdVault(v)
        else await self.#useVault(v)
        return v.toRecoveryText()
      },
      keep: async () => {
        const v = self.#requireVault()
        await saveStoredVault({ kind: 'plain', recoveryText: v.toRecoveryText() })
        self.#hasPassphrase = false
      },
      importRecoveryText: async (text, options = {}) => {
        await self.#useVault(await Vault.fromRecoveryText(text), options.passphrase)
      },
      unlock: async (passphrase) => {
        if (!self.#locked) return
        const v = await unlockVault(self.#locked.record, passphrase)
        self.#vault = v
        self.#locked = undefined
        self.#manifests.clear()
        if (self.#syncOnUnlock) {
          self.#syncOnUnlock = false
          void self.syncFiles().catch(() => {})
        }
      },
      setPassphrase: async (passphrase) => {
        const v = self.#requireVault()
        await saveStoredVault({ kind: 'locked', record: await lockVault(v, passphrase) })
        self.#hasPassphrase = true
      },
      removePassphrase: async () => {
        const v = self.#requireVault()
        await saveStoredVault({ kind: 'plain', recoveryText: v.toRecoveryText() })
        self.#hasPassphrase = false
      },
      recoveryText: () => self.#requireVault().toRecoveryText(),
    }
    this.settings = {
      get k() {
        return self.#settings.k
      },
      get n() {
        return self.#settings.n
      },
      get relays() {
        return self.#settings.relays
      },
      setRedundancy: async (k, n) => {
        makePolicy({ k, n }) // InvalidPolicyError for impossible values
        self.#save({ k, n })
      },
      setRelays: async (relays) => {
        self.#save({ relays: relays.map((r) => r.trim()).filter((r) => r.length > 0) })
      },
    }
    this.hosting = {
      get enabled() {
        return self.#settings.hostingEnabled
      },
      get quota() {
        return self.#settings.quota
      },
      start: (quota) => self.#startHosting(quota),
      stop: async () => {
        self.#save({ hostingEnabled: false })
        self.#host = undefined
        await net.unhostShares()
      },
      setQuota: async (bytes) => {
        if (!Number.isSafeInteger(bytes) || bytes < 0) throw new InvalidQuotaError(`A quota must be a whole number of bytes, got ${bytes}.`)
        self.#save({ quota: bytes })
        self.#host?.setQuota(bytes)
      },
      stats: () => self.#hostingStats(),
    }
    this.network = {
      start: () => self.#startNetwork(),
      status: () => (net.node ? net.status() : undefined),
      get lastError() {
        return net.node ? undefined : self.#startError
      },
      placements: () => self.#placements(),
      subscribe: (listener) => {
        let last = ''
        const tick = () => {
          if (!net.node) return
          const s = net.status()
          const key = JSON.stringify([s.connections.map((c) => [c.peerId, c.kind]), s.relays.connected, s.dhtRoutingTableSize, s.addresses])
          if (key !== last) {
            last = key
            listener(s)
          }
        }
        const timer = setInterval(tick, 500)
        tick()
        return () => clearInterval(timer)
      },
    }
  }

  get ready(): Promise<void> {
    return this.#ready
  }

  /**
   * Starts the network, retrying with backoff while the relay is down (2 s doubling to 30 s),
   * then hosting when it is enabled. `ready` resolves after the first attempt either way.
   */
  autostart(): void {
    let first: () => void = () => {}
    this.#ready = new Promise<void>((resolve) => (first = resolve))
    void (async () => {
      for (let delay = 2000; ; delay = Math.min(30_000, delay * 2)) {
        try {
          await this.#startNetwork()
          if (this.#settings.hostingEnabled && net.role !== 'client') await this.#startHosting()
          first()
          // Keep this vault's file list on the network as record peers come and go.
          if (this.#vault) setTimeout(() => void this.syncFiles().catch(() => {}), 5000)
          else if (this.#locked) this.#syncOnUnlock = true
          return
        } catch (err) {
          first()
          if (net.node) return // hosting failed (e.g. storage refused): shown by hosting.stats()
          await new Promise((r) => setTimeout(r, delay * (0.75 + Math.random() / 2)))
        }
      }
    })()
  }

  #save(patch: Partial<StoredSettings>): void {
    this.#settings = { ...this.#settings, ...patch }
    saveSettings(this.#settings)
  }

  #requireVault(): Vault {
    if (!this.#vault) throw this.#locked ? new VaultLockedError() : new NoVaultError()
    return this.#vault
  }

  /** Keeps `v` as this browser's vault: under `passphrase` when given, else plain (either replaces the other). */
  async #useVault(v: Vault, passphrase?: string): Promise<void> {
    const stored: StoredVault =
      passphrase === undefined ? { kind: 'plain', recoveryText: v.toRecoveryText() } : { kind: 'locked', record: await lockVault(v, passphrase) }
    await saveStoredVault(stored)
    this.#holdVault(v)
    this.#hasPassphrase = passphrase !== undefined
  }

  /** Makes `v` this tab's vault, without storing it. */
  #holdVault(v: Vault): void {
    this.#vault = v
    this.#locked = undefined
    this.#hasPassphrase = false
    this.#manifests.clear()
    this.#health.clear()
    saveHealth(this.#health)
  }

  async #startNetwork(): Promise<NetworkStatus> {
    try {
      return await net.start(this.#settings.relays.length > 0 ? { bootstrap: this.#settings.relays } : {})
    } catch (err) {
      this.#startError = { name: (err as Error).name, message: (err as Error).message }
      throw err
    }
  }

  async #startHosting(quota?: number): Promise<HostingStats> {
    if (quota !== undefined) await this.hosting.setQuota(quota)
    this.#save({ hostingEnabled: true })
    await this.#startNetwork()
    try {
      this.#host ??= await net.hostShares(this.#settings.quota, this.hostDb)
      this.#hostError = undefined
    } catch (err) {
      this.#hostError = { name: (err as Error).name, message: (err as Error).message }
      throw err
    }
    this.#host.setQuota(this.#settings.quota)
    if (this.#persisted === undefined && navigator.storage?.persist) {
      this.#persisted = await navigator.storage.persist().catch(() => false)
    }
    return this.#hostingStats()
  }

  async #hostingStats(): Promise<HostingStats> {
    const host = this.#host
    const stat = host ? await host.handle({ type: 'stat' }) : undefined
    const s = stat?.status === 'ok' ? stat.stat : undefined
    return {
      enabled: host !== undefined,
      quota: this.#settings.quota,
      used: s?.used ?? 0,
      shares: s?.shares ?? 0,
      served: host?.counters.served ?? 0,
      stored: host?.counters.stored ?? 0,
      refused: host?.counters.refused ?? 0,
      persisted: this.#persisted,
      role: net.role,
      error: this.#hostError,
    }
  }

  async #manifestOf(r: ManifestRecord): Promise<FileManifest> {
    const id = toHex(r.fileId)
    const cached = this.#manifests.get(id)
    if (cached && cached.revision === r.revision) return cached.manifest
    const manifest = await openManifest(r.sealed, this.#requireVault())
    checkRecordManifest(r, manifest)
    this.#manifests.set(id, { revision: r.revision, manifest })
    return manifest
  }

  #entry(m: FileManifest): FileEntry {
    const id = toHex(m.fileId)
    return {
      id,
      name: m.name,
      size: m.size,
      type: m.type,
      createdAt: m.createdAt,
      k: m.codec.k,
      n: m.codec.n,
      segments: m.segments.length,
      hosts: [...new Set(m.segments.flatMap((s) => s.shares.flatMap((sh) => sh.holders)))],
      health: this.#health.get(id),
    }
  }

  async #liveManifests(): Promise<FileManifest[]> {
    const vault = this.#requireVault()
    const live = (await this.records.list(vault.ownerPublicKey)).filter((r) => r.sealed.length > 0)
    const manifests = await Promise.all(live.map((r) => this.#manifestOf(r).catch(() => undefined)))
    return manifests.filter((m): m is FileManifest => m !== undefined).sort((a, b) => b.createdAt - a.createdAt)
  }

  async #manifest(fileId: string): Promise<FileManifest> {
    const vault = this.#requireVault()
    let id: Uint8Array
    try {
      id = fromHex(fileId)
    } catch {
      throw new FileNotFoundError(`"${fileId}" is not a file id.`)
    }
    const r = id.length === 16 ? await this.records.get(vault.ownerPublicKey, id) : undefined
    if (!r || r.sealed.length === 0) throw new FileNotFoundError(`This vault has no file ${fileId}${r ? ' (it was removed)' : ''}.`)
    return this.#manifestOf(r)
  }

  async #node() {
    await this.#startNetwork()
    return net.node!
  }


  async files(): Promise<FileEntry[]> {
    return (await this.#liveManifests()).map((m) => this.#entry(m))
  }

  async backup(file: File | Blob, options: BackupJobOptions & { name?: string } = {}): Promise<FileEntry> {
    const vault = this.#requireVault()
    const { onProgress, signal } = options
    const policy = makePolicy({ k: this.#settings.k, n: this.#settings.n })
    onProgress?.({ type: 'stage', stage: 'finding-hosts' })
    const node = await this.#node()
    let encoding = false
    const manifest = await net.lib!.backupFile(net.lib!.libp2pNetwork(node), vault, file, {
      policy,
      encoder: (this.#encoder ??= workerEncoder()),
      ...(signal ? { signal } : {}),
      name: options.name ?? (file instanceof File ? file.name : 'untitled'),
      onProgress: (e) => {
        if (!encoding && e.type === 'place:hosts') {
          encoding = true
          onProgress?.(e)
          onProgress?.({ type: 'stage', stage: 'encrypting' })
          return
        }
        onProgress?.(e)
        if (e.type === 'encode:done') onProgress?.({ type: 'stage', stage: 'placing' })
      },
    })
    onProgress?.({ type: 'stage', stage: 'saving-manifest' })
    let record: ManifestRecord
    try {
      record = signRecord(vault, manifest.fileId, manifest.revision, await sealManifest(manifest, vault))
      await this.records.put(record)
    } catch (err) {
      // Without a saved manifest nothing could ever find or delete these shares: take them back.
      await net.lib!.deleteShares(net.lib!.libp2pNetwork(node), vault, manifest).catch(() => {})
      throw err
    }
    const published = await net.lib!.publishRecord(net.lib!.libp2pNetwork(node), record, signal ? { signal } : {})
    onProgress?.({ type: 'manifest:saved', copies: published.peers.length })
    onProgress?.({ type: 'stage', stage: 'done' })
    return this.#entry(manifest)
  }

  async restore(fileId: string, sink: WritableStream<Uint8Array>, options: RestoreOptions = {}): Promise<RestoreReport> {
    let vault: Vault
    let manifest: FileManifest
    try {
      vault = this.#requireVault()
      manifest = await this.#manifest(fileId)
    } catch (err) {
      await sink.abort(err).catch(() => {})
      throw err
    }
    const writer = sink.getWriter()
    const answered = new Map<string, string>() // "segment/share" → peer whose bytes were used
    const corrupt = new Set<string>()
    let bytes = 0
    try {
      const node = await this.#node()
      const chunks = net.lib!.restoreFile(net.lib!.libp2pNetwork(node), vault, manifest, {
        ...(options.signal ? { signal: options.signal } : {}),
        onAnswer: (ref, peer) => answered.set(`${ref.segmentIndex}/${ref.shareIndex}`, peer),
        onProgress: (e) => {
          options.onProgress?.(e)
          if (e.type === 'decode:share-rejected') {
            const peer = answered.get(`${e.segmentIndex}/${e.shareIndex}`) ?? manifest.segments[e.segmentIndex]?.shares[e.shareIndex]?.holders[0]
            if (!peer) return
            if (e.reason === 'corrupt') corrupt.add(peer)
            options.onProgress?.({ type: 'restore:bad-host', peer, segmentIndex: e.segmentIndex, shareIndex: e.shareIndex, reason: e.reason })
          }
        },
      })
      for await (const chunk of chunks) {
        await writer.write(chunk)
        bytes += chunk.length
      }
      await writer.close()
    } catch (err) {
      await writer.abort(err).catch(() => {})
      throw err
    }
    return { bytes, corruptHosts: [...corrupt] }
  }

  async syncFiles(): Promise<FileEntry[]> {
    const vault = this.#requireVault()
    const node = await this.#node()
    const known = await this.records.list(vault.ownerPublicKey)
    const { records } = await net.lib!.syncRecords(net.lib!.libp2pNetwork(node), vault, known)
    // Every record is signed by this vault's key (checked), so each is kept; one that does not
    // open (a newer manifest version) is left out of the list rather than stopping the others.
    for (const r of records) await this.records.put(r)
    return this.files()
  }

  async remove(fileId: string, options: { onProgress?: (e: RemoveProgress) => void } = {}): Promise<RemoveReport> {
    const vault = this.#requireVault()
    const manifest = await this.#manifest(fileId)
    const tombstone = signRecord(vault, manifest.fileId, TOMBSTONE_REVISION, new Uint8Array(0))
    // The file leaves the list here first, then on the network (a later sync pushes the
    // tombstone again to peers that missed it), and only then are its shares deleted: no order
    // of failures leaves a listed file without its shares.
    await this.records.put(tombstone)
    this.#manifests.delete(fileId)
    this.#health.delete(fileId)
    saveHealth(this.#health)
    const node = await this.#node()
    const published = await net.lib!.publishRecord(net.lib!.libp2pNetwork(node), tombstone)
    const report = await net.lib!.deleteShares(net.lib!.libp2pNetwork(node), vault, manifest, options.onProgress ? { onProgress: options.onProgress } : {})
    return { ...report, recordCopies: published.peers.length }
  }

  async placement(fileId: string): Promise<string[][]> {
    const m = await this.#manifest(fileId)
    return m.segments.map((seg) => seg.shares.map((sh) => sh.holders[0] ?? ''))
  }

  async checkHealth(fileId: string): Promise<FileHealth> {
    const manifest = await this.#manifest(fileId)
    const live = await net.lib!.probeShares(net.lib!.libp2pNetwork(await this.#node()), manifest)
    const health: FileHealth = { live, n: manifest.codec.n, k: manifest.codec.k, checkedAt: Date.now() }
    this.#health.set(fileId, health)
    saveHealth(this.#health)
    return health
  }

  async #placements(): Promise<PeerPlacement[]> {
    if (!this.#vault) return []
    const counts = new Map<string, number>()
    for (const m of await this.#liveManifests()) {
      for (const seg of m.segments) for (const sh of seg.shares) for (const p of sh.holders) counts.set(p, (counts.get(p) ?? 0) + 1)
    }
    const connected = new Set((net.node ? net.status().connections : []).map((c) => c.peerId))
    return [...counts].map(([peerId, shares]) => ({ peerId, shares, connected: connected.has(peerId) }))
  }
}

/** A hosting quota that is not a whole, non-negative number of bytes. */
export class InvalidQuotaError extends LayrError {
  override readonly name = 'InvalidQuotaError'
}

