/**
 * The Layr facade (see api.ts), made from the parts it is given (parts.ts; browser.ts assembles
 * a tab's): the vault, the owner's file list (manifests/, mirrored on the network), backup,
 * restore and remove (transfer/ over the PeerNetwork port), hosting and the network view. It
 * wires these together and holds no logic of its own beyond that; each step is tested where it
 * lives.
 */
import { toHex } from '../core/bytes.ts'
import { LayrError, makePolicy, type FileManifest } from '../core/index.ts'
import { lockVault, unlockVault, Vault } from '../core/vault/index.ts'
import type { StoredVault } from '../adapters/local/vault-store.ts'
import type { StoredSettings } from '../adapters/local/settings-store.ts'
import type { EncoderFactory } from '../core/pipeline/segment-encoder.ts'
import type { ShareHost } from '../net/share/host.ts'
import type { PeerNetwork } from '../ports/peer-network.ts'
import { backupFile, deleteShares, deleteSigned, FileChangedError, renewLeases, restoreFile, type ResumeState } from '../transfer/index.ts'
import { BackupJournal, NeedFileError, readHandle, type BackupStart } from './backups.ts'
import type { RedundancyPolicy } from '../core/erasure/index.ts'
import { FileNotFoundError, ManifestRepository } from '../manifests/repository.ts'
import type { LayrParts } from './parts.ts'
import { periodic } from './services.ts'
import { Maintenance } from './maintenance.ts'
import { RepairDelegation, type StoredDelegation } from './delegation.ts'
import { auditsToCatch, leavesPerAudit, passChance, scoreOf, isDisqualified } from '../core/audit/index.ts'
import { DEFAULT_SHARE_SIZE } from '../core/segment/index.ts'
import { LEAF_SIZE } from '../core/merkle/index.ts'
import { InvalidInputError } from '../core/errors.ts'
import { MAX_LEASE_MS, MIN_LEASE_MS } from '../core/lease/index.ts'
import { placedSurvives } from '../core/repair/index.ts'
import { ledgerChoiceProblem, ledgerNetwork, LedgerUnreachableError, type Ledger, type LedgerNetwork } from '../ports/ledger.ts'
import { WalletError, type Wallet, type WalletNetwork } from '../ports/wallet.ts'
import { isAccountId } from '../pay/strkey.ts'
import type { HostPricing } from '../net/share/payments.ts'
import type {
  BackupJobOptions,
  FileEntry,
  FileHealth,
  HostScore,
  HostEarnings,
  HostingApi,
  LedgerApi,
  MaintenanceApi,
  WalletApi,
  HostingStats,
  InterruptedBackup,
  Layr,
  NetworkApi,
  NetworkStatus,
  PeerPlacement,
  RemoveProgress,
  RemoveReport,
  RepairProgress,
  RepairReport,
  RestoreOptions,
  RestoreReport,
  SettingsApi,
  VaultApi,
  EscrowView,
  PaymentsApi,
} from './api.ts'
import type { EscrowBook } from '../ports/escrow-book.ts'
import type { RevealParts } from '../transfer/pay.ts'
import type { UploadPayOutcome, UploadPayRequest } from '../transfer/upload.ts'

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

export { FileNotFoundError } from '../manifests/repository.ts'

/** What the Hosting view calls "expiring soon". */
const EXPIRING_WITHIN_MS = 7 * 24 * 3600_000

export async function createLayr(parts: LayrParts, options: { autostart?: boolean } = {}): Promise<Layr> {
  const stored = await parts.vaults.load()
  const vault = stored?.kind === 'plain' ? await Vault.fromRecoveryText(stored.recoveryText) : undefined
  const client = new LayrClient(parts, vault, stored?.kind === 'locked' ? stored : undefined)
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
  /** The manifests of the vault in use (made again when the vault changes). */
  #repo: ManifestRepository | undefined
  readonly #maintenance: Maintenance
  /** Audits files that are due and repairs what fell below its threshold (about every minute, ± a quarter). */
  readonly #loop: ReturnType<typeof periodic>
  /** The owner's own backups and restores running: repair waits for them. */
  #userJobs = 0
  #userIdle: { promise: Promise<void>; resolve: () => void } | undefined
  #encoder: EncoderFactory | undefined
  #host: ShareHost | undefined
  /** Keeps this vault's file list on the network as record peers come and go: 5 s after the network is up, then about every 10 minutes. */
  readonly #sync = periodic(() => this.syncFiles(), { firstMs: 5000, everyMs: 10 * 60_000 })
  /** Renews this owner's leases on every share of its files: 30 s after the network is up, then about every 12 hours. */
  readonly #leases: ReturnType<typeof periodic>
  /** Drops hosted shares whose leases ended: 10 s after hosting starts, then about every hour. */
  readonly #expiry = periodic(() => this.#host?.expire() ?? Promise.resolve(), { firstMs: 10_000, everyMs: 3600_000 })
  readonly #backups: BackupJournal
  #persisted: boolean | undefined
  #ready: Promise<void> = Promise.resolve()
  #startError: { name: string; message: string } | undefined
  #hostError: { name: string; message: string } | undefined

  readonly vault: VaultApi
  readonly settings: SettingsApi
  readonly hosting: HostingApi
  readonly network: NetworkApi
  readonly maintenance: MaintenanceApi
  readonly ledger: LedgerApi
  readonly wallet: WalletApi
  readonly payments: PaymentsApi
  readonly delegation: RepairDelegation
  /** The Ledger of the current setting, made once per network. */
  #ledgerOf: { readonly key: string; readonly ledger: Promise<Ledger> } | undefined
  /** The Wallet for the current ledger, made once per network. */
  #walletOf: { readonly key: string; readonly wallet: Promise<Wallet> } | undefined

  constructor(
    private readonly parts: LayrParts,
    vault: Vault | undefined,
    locked?: { readonly record: unknown },
  ) {
    this.#vault = vault
    this.#locked = locked
    this.#hasPassphrase = locked !== undefined
    this.#settings = parts.settings.load()
    this.#backups = new BackupJournal(parts.uploads, parts.now ?? Date.now)
    this.#leases = periodic(() => this.#renewAll(), parts.renewal ?? { firstMs: 30_000, everyMs: 12 * 3600_000 })
    this.#maintenance = new Maintenance({
      vault: () => this.#requireVault(),
      manifests: () => this.#manifests(),
      net: () => this.#net(),
      health: parts.health,
      reputation: parts.reputation,
      lostAfterMs: () => this.#settings.lostAfterMs,
      leaseMs: () => this.#settings.leaseMs,
      idle: () => this.#userIdle?.promise ?? Promise.resolve(),
      ...(parts.maintenance ? { timing: parts.maintenance } : {}),
      audited: async (fileId, passed) => {
        const book = parts.escrows
        const escrows = book && passed.size > 0 ? await book.list(fileId) : []
        if (!book || escrows.length === 0) return
        const { revealAudited } = await import('../transfer/pay.ts')
        await revealAudited(this.#revealParts(book, await this.#net()), escrows, passed)
      },
    })
    let grant: StoredDelegation | undefined
    this.delegation = new RepairDelegation({
      vault: () => this.#requireVault(),
      manifests: () => this.#manifests(),
      net: () => this.#net(),
      kept: parts.delegation ?? { load: () => grant, save: (d) => (grant = d) },
    })
    const tickMs = this.#maintenance.timing.tickMs
    this.#loop = periodic(() => this.#maintenance.tick(), { firstMs: Math.min(20_000, tickMs), everyMs: tickMs })
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
        await self.parts.vaults.save({ kind: 'plain', recoveryText: v.toRecoveryText() })
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
        if (self.#syncOnUnlock) {
          self.#syncOnUnlock = false
          self.#startServices()
        }
      },
      setPassphrase: async (passphrase) => {
        const v = self.#requireVault()
        await self.parts.vaults.save({ kind: 'locked', record: await lockVault(v, passphrase) })
        self.#hasPassphrase = true
      },
      removePassphrase: async () => {
        const v = self.#requireVault()
        await self.parts.vaults.save({ kind: 'plain', recoveryText: v.toRecoveryText() })
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
      get lostAfterMs() {
        return self.#settings.lostAfterMs
      },
      setLostAfter: async (ms) => {
        if (!Number.isSafeInteger(ms) || ms < 0 || ms > 30 * 24 * 3600_000) {
          throw new InvalidInputError(`The wait before a host counts as lost must be from 0 to 30 days, got ${ms} ms.`)
        }
        self.#save({ lostAfterMs: ms })
      },
      get leaseMs() {
        return self.#settings.leaseMs
      },
      setLease: async (ms) => {
        if (!Number.isSafeInteger(ms) || ms < MIN_LEASE_MS || ms > MAX_LEASE_MS) {
          throw new InvalidInputError(`A lease must be from ${MIN_LEASE_MS / 86_400_000} to ${MAX_LEASE_MS / 86_400_000} days, got ${ms} ms.`)
        }
        self.#save({ leaseMs: ms })
      },
      get maxPrice() {
        return self.#settings.maxPrice
      },
      setMaxPrice: async (stroops) => {
        if (!Number.isSafeInteger(stroops) || stroops < 0 || stroops > 10_000 * 10_000_000) {
          throw new InvalidInputError(`The most you pay a host must be from 0 to 10,000 XLM per GiB-month, got ${stroops} stroops.`)
        }
        self.#save({ maxPrice: stroops })
      },
      get ledger() {
        return self.#settings.ledger
      },
      get ledgerNetwork() {
        return self.#network()
      },
      setLedger: async (choice) => {
        const problem = ledgerChoiceProblem(choice)
        if (problem) throw new InvalidInputError(problem)
        self.#save({ ledger: choice })
      },
    }
    this.ledger = {
      get network() {
        return self.#network()
      },
      get canFund() {
        return self.#network().friendbotUrl !== undefined
      },
      balance: async (account) => (await (await self.#ledger()).loadAccount(account))?.balance,
      fund: async (account) => (await self.#ledger()).fund(account),
    }
    const wallet = (): Promise<Wallet> => self.#wallet()
    this.wallet = {
      get ledger() {
        return self.#walletLedger()
      },
      detect: async () => (await wallet()).detect(),
      connect: async () => (await wallet()).connect(),
      address: async () => (await wallet()).address(),
      network: async () => (await wallet()).network(),
      signTransaction: async (xdr, options) => (await wallet()).signTransaction(xdr, options),
      watch: (onChange, onError) => {
        let stop: (() => void) | undefined
        let stopped = false
        wallet().then(
          (w) => {
            if (!stopped) stop = w.watch(onChange, onError)
          },
          (err: unknown) => onError?.(err instanceof WalletError ? err : new WalletError(`The wallet could not be loaded: ${(err as Error).message}`)),
        )
        return () => {
          stopped = true
          stop?.()
        }
      },
    }
    const shareLeaves = DEFAULT_SHARE_SIZE / LEAF_SIZE
    this.payments = {
      escrows: () => self.#escrowViews(),
      costs: async () => {
        const out = new Map<string, { stroops: bigint; hosts: number }>()
        for (const e of (await self.parts.escrows?.list()) ?? []) {
          if (!e.offered) continue
          const c = out.get(e.fileId) ?? { stroops: 0n, hosts: 0 }
          out.set(e.fileId, { stroops: c.stroops + e.windows.reduce((s, w) => s + BigInt(w.amount), 0n), hosts: c.hosts + 1 })
        }
        return out
      },
    }
    const timing = this.#maintenance.timing
    this.maintenance = {
      subscribe: (listener) => self.#maintenance.subscribe(listener),
      get active() {
        return self.#maintenance.active
      },
      figures: {
        leaves: shareLeaves,
        leavesAsked: leavesPerAudit(shareLeaves),
        catchHalfPerAudit: 1 - passChance(0.5, shareLeaves),
        auditsToCatchHalf: auditsToCatch(0.5, shareLeaves),
        auditEveryMs: timing.auditEveryMs,
        retryMs: timing.retryMs,
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
        self.#expiry.stop()
        self.#host = undefined
        await self.parts.peers.unhost()
      },
      setQuota: async (bytes) => {
        if (!Number.isSafeInteger(bytes) || bytes < 0) throw new InvalidQuotaError(`A quota must be a whole number of bytes, got ${bytes}.`)
        self.#save({ quota: bytes })
        self.#host?.setQuota(bytes)
      },
      stats: () => self.#hostingStats(),
      get price() {
        return self.#settings.hostPrice
      },
      get payoutAccount() {
        return self.#settings.payoutAccount
      },
      setPricing: async ({ price, account }) => {
        if (!Number.isSafeInteger(price) || price < 0)
          throw new InvalidInputError(`A price is a whole number of stroops per GiB-month, 0 or more; got ${price}.`)
        const payout = account?.trim() || undefined
        if (payout !== undefined && !isAccountId(payout)) {
          throw new InvalidInputError(`“${payout}” is not a Stellar account id: it starts with G and has 56 letters and digits.`)
        }
        if (price > 0 && payout === undefined) {
          throw new InvalidInputError('A host with a price needs a payout account: connect your wallet or type the G… address to be paid to.')
        }
        self.#save({ hostPrice: price, payoutAccount: payout })
        self.#host?.setPricing(self.#pricing())
      },
      earnings: () => self.#earnings(),
    }
    this.network = {
      start: () => self.#startNetwork(),
      status: () => (self.parts.peers.started ? self.parts.peers.status() : undefined),
      get lastError() {
        return self.parts.peers.started ? undefined : self.#startError
      },
      placements: () => self.#placements(),
      subscribe: (listener) => {
        let last = ''
        const tick = () => {
          if (!self.parts.peers.started) return
          const s = self.parts.peers.status()
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
          if (this.#settings.hostingEnabled && this.parts.peers.role !== 'client') await this.#startHosting()
          first()
          // Keep this vault's file list on the network as record peers come and go.
          if (this.#vault) this.#startServices()
          else if (this.#locked) this.#syncOnUnlock = true
          return
        } catch (err) {
          first()
          if (this.parts.peers.started) return // hosting failed (e.g. storage refused): shown by hosting.stats()
          await new Promise((r) => setTimeout(r, delay * (0.75 + Math.random() / 2)))
        }
      }
    })()
  }

  #revealParts(book: EscrowBook, net: PeerNetwork): RevealParts {
    return { net, vault: this.#requireVault(), book, ...(this.parts.now ? { now: this.parts.now } : {}) }
  }

  /**
   * Pays an upload's hosts that charge (transfer/pay.ts), or says why not: without a wallet in this
   * browser, or one not connected to Layr, they are left out and the backup goes to free hosts.
   */
  async #pay(book: EscrowBook, net: PeerNetwork, req: UploadPayRequest, options: BackupJobOptions): Promise<UploadPayOutcome> {
    const confirm = options.confirmPayment
    if (!confirm) return { declined: true, reason: 'no-wallet' }
    const wallet = await this.#wallet().catch(() => undefined)
    if (!wallet || !(await wallet.detect())) return { declined: true, reason: 'no-wallet' }
    try {
      await wallet.address()
    } catch (err) {
      if ((err as Error).name === 'WalletNotConnectedError') return { declined: true, reason: 'no-wallet' }
      throw err
    }
    const { payUpload } = await import('../transfer/pay.ts')
    const ledger = await this.#ledger()
    const outcome = await payUpload(
      { net, vault: this.#requireVault(), ledger, wallet, book, termMs: this.#settings.leaseMs, ...(this.parts.now ? { now: this.parts.now } : {}) },
      { ...req, confirm },
    )
    if (outcome.declined) return outcome
    const stroops = outcome.escrows.filter((e) => e.offered).reduce((s, e) => s + e.windows.reduce((a, w) => a + BigInt(w.amount), 0n), 0n)
    return { declined: false, refused: outcome.refused, stroops }
  }

  async #escrowViews(): Promise<EscrowView[]> {
    const entries = (await this.parts.escrows?.list()) ?? []
    if (entries.length === 0) return []
    const names = new Map((await this.#liveManifests().catch(() => [])).map((m) => [toHex(m.fileId), m.name]))
    const [{ escrowStatus }, ledger] = await Promise.all([import('../pay/status.ts'), this.#ledger().catch(() => undefined)])
    const views = await Promise.all(
      entries.map(async (e): Promise<EscrowView> => {
        const status = ledger
          ? await escrowStatus(ledger, {
              account: e.account,
              startSequence: BigInt(e.startSequence),
              claims: e.windows.map((w) => ({ hash: w.claim, deadline: w.deadline })),
              refund: { hash: e.refund },
            }).catch(() => undefined)
          : undefined
        const name = names.get(e.fileId)
        return {
          account: e.account,
          fileId: e.fileId,
          ...(name !== undefined ? { fileName: name } : {}),
          host: e.host,
          payee: e.payee,
          state: status?.state ?? 'unknown',
          windows: e.windows.map((w, i) => ({
            amount: BigInt(w.amount),
            due: w.due,
            deadline: w.deadline,
            state: status?.windows[i] ?? 'unknown',
            ...(w.revealedAt !== undefined ? { revealedAt: w.revealedAt } : {}),
            ...(w.outcome !== undefined ? { outcome: w.outcome } : {}),
          })),
          balance: status?.balance ?? 0n,
          refundFrom: e.refundFrom,
          offered: e.offered,
          createdAt: e.createdAt,
        }
      }),
    )
    return views.sort((a, b) => b.createdAt - a.createdAt)
  }

  /** The network of the ledger setting. */
  #network(): LedgerNetwork {
    return ledgerNetwork(this.#settings.ledger, this.parts.origin ?? globalThis.location?.origin ?? 'http://127.0.0.1:8080')
  }

  /** The Ledger of the current setting (made again when the setting changes). */
  #ledger(): Promise<Ledger> {
    const network = this.#network()
    const key = `${network.horizonUrl}\n${network.passphrase}`
    if (this.#ledgerOf?.key !== key) {
      const make = this.parts.ledger
      const ledger = make ? make(network) : Promise.reject(new LedgerUnreachableError('This Layr was made without a ledger.'))
      this.#ledgerOf = { key, ledger }
      ledger.catch(() => this.#ledgerOf?.ledger === ledger && (this.#ledgerOf = undefined))
    }
    return this.#ledgerOf.ledger
  }

  /** The app's ledger as the wallet sees networks. */
  #walletLedger(): WalletNetwork {
    const n = this.#network()
    const name = n.kind === 'local' ? 'Layr local ledger' : n.kind === 'testnet' ? 'Testnet' : n.horizonUrl
    return { passphrase: n.passphrase, name, horizonUrl: n.horizonUrl }
  }

  #wallet(): Promise<Wallet> {
    const ledger = this.#walletLedger()
    const key = `${ledger.horizonUrl}\n${ledger.passphrase}`
    if (this.#walletOf?.key !== key) {
      const make = this.parts.wallet
      const wallet = make ? make(ledger) : Promise.reject(new WalletError('This Layr was made without a wallet.'))
      this.#walletOf = { key, wallet }
      wallet.catch(() => this.#walletOf?.wallet === wallet && (this.#walletOf = undefined))
    }
    return this.#walletOf.wallet
  }

  #pricing(): HostPricing {
    const { hostPrice, payoutAccount } = this.#settings
    return payoutAccount ? { price: hostPrice, account: payoutAccount } : { price: hostPrice }
  }

  async #earnings(): Promise<HostEarnings> {
    const e = (await this.#host?.payments?.earnings()) ?? { total: 0n, claims: [] }
    const claims = e.claims.map((c) => ({ escrow: c.escrow, window: c.window, amount: c.amount, hash: c.hash, at: c.at })).sort((a, b) => b.at - a.at)
    return { total: e.total, claims }
  }

  #save(patch: Partial<StoredSettings>): void {
    this.#settings = { ...this.#settings, ...patch }
    this.parts.settings.save(this.#settings)
  }

  #requireVault(): Vault {
    if (!this.#vault) throw this.#locked ? new VaultLockedError() : new NoVaultError()
    return this.#vault
  }

  /** Keeps `v` as this browser's vault: under `passphrase` when given, else plain (either replaces the other). */
  async #useVault(v: Vault, passphrase?: string): Promise<void> {
    const stored: StoredVault =
      passphrase === undefined ? { kind: 'plain', recoveryText: v.toRecoveryText() } : { kind: 'locked', record: await lockVault(v, passphrase) }
    await this.parts.vaults.save(stored)
    this.#holdVault(v)
    this.#hasPassphrase = passphrase !== undefined
  }

  /** Makes `v` this tab's vault, without storing it. */
  #holdVault(v: Vault): void {
    this.#vault = v
    this.#locked = undefined
    this.#hasPassphrase = false
    this.#maintenance.clear()
    if (this.parts.peers.started) this.#startServices()
  }

  /** The owner's background work: the file list's sync, and audits with repair. */
  #startServices(): void {
    this.#sync.start()
    this.#loop.start()
    this.#leases.start()
  }

  /** Renews the leases on every share of this vault's files, at every holder, to the owner's term. */
  async #renewAll(): Promise<void> {
    const vault = this.#requireVault()
    const holdings = (await this.#liveManifests()).flatMap((m) =>
      m.segments.flatMap((seg) => seg.shares.flatMap((sh) => sh.holders.map((peer) => ({ peer, key: sh.key })))),
    )
    if (holdings.length > 0) await renewLeases(await this.#net(), vault, holdings, this.#settings.leaseMs)
  }

  /** Runs one of the owner's own transfers; repair waits until none runs. */
  async #userJob<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#userJobs++ === 0) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => (resolve = r))
      this.#userIdle = { promise, resolve }
    }
    try {
      return await fn()
    } finally {
      if (--this.#userJobs === 0) {
        this.#userIdle?.resolve()
        this.#userIdle = undefined
      }
    }
  }

  async #startNetwork(): Promise<NetworkStatus> {
    try {
      return await this.parts.peers.start(this.#settings.relays.length > 0 ? { bootstrap: this.#settings.relays } : {})
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
      this.#host ??= await this.parts.peers.host(this.#settings.quota, this.parts.hostDb, { ledger: () => this.#ledger(), pricing: this.#pricing() })
      this.#hostError = undefined
    } catch (err) {
      this.#hostError = { name: (err as Error).name, message: (err as Error).message }
      throw err
    }
    this.#host.setQuota(this.#settings.quota)
    this.#host.setPricing(this.#pricing())
    this.#expiry.start()
    if (this.#persisted === undefined && this.parts.persistStorage) {
      this.#persisted = await this.parts.persistStorage().catch(() => false)
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
      role: this.parts.peers.role,
      error: this.#hostError,
      expiring: { within: EXPIRING_WITHIN_MS, ...(host ? await host.expiring(EXPIRING_WITHIN_MS) : { shares: 0, bytes: 0, next: undefined }) },
      expired: host?.counters.expired ?? 0,
    }
  }

  /** The manifests of the vault in use. */
  #manifests(): ManifestRepository {
    const vault = this.#requireVault()
    if (this.#repo?.vault !== vault) this.#repo = new ManifestRepository(vault, this.parts.records)
    return this.#repo
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
      placedSurvives: placedSurvives(m),
      health: this.#maintenance.health(id),
    }
  }

  async #liveManifests(): Promise<FileManifest[]> {
    return (await this.#manifests().live()).sort((a, b) => b.createdAt - a.createdAt)
  }

  async #manifest(fileId: string): Promise<FileManifest> {
    return this.#manifests().get(fileId)
  }

  /** The network, started if it was not. */
  async #net(): Promise<PeerNetwork> {
    await this.#startNetwork()
    return this.parts.peers.network()
  }

  async files(): Promise<FileEntry[]> {
    return (await this.#liveManifests()).map((m) => this.#entry(m))
  }

  backup(file: File | Blob, options: BackupJobOptions & { name?: string } = {}): Promise<FileEntry> {
    return this.#userJob(() => this.#backup(file, options))
  }

  restore(fileId: string, sink: WritableStream<Uint8Array>, options: RestoreOptions = {}): Promise<RestoreReport> {
    return this.#userJob(() => this.#restore(fileId, sink, options))
  }

  async #backup(file: File | Blob, options: BackupJobOptions & { name?: string }): Promise<FileEntry> {
    this.#requireVault()
    const policy = makePolicy({ k: this.#settings.k, n: this.#settings.n })
    const name = options.name ?? (file instanceof File ? file.name : 'untitled')
    const start: BackupStart = {
      name,
      type: file.type,
      size: file.size,
      lastModified: file instanceof File ? file.lastModified : 0,
      k: policy.k,
      n: policy.n,
      shareSize: DEFAULT_SHARE_SIZE,
      ...(options.handle ? { handle: options.handle } : {}),
    }
    return this.#place(file, policy, name, this.#backups.hooks({ start }), undefined, options)
  }

  async interrupted(): Promise<InterruptedBackup[]> {
    return this.#backups.interrupted()
  }

  resumeBackup(id: string, file?: File | Blob, options: BackupJobOptions = {}): Promise<FileEntry> {
    return this.#userJob(async () => {
      const vault = this.#requireVault()
      const entry = await this.#backups.get(id)
      let blob = file
      if (!blob) {
        if (!entry.handle) throw new NeedFileError(`Pick “${entry.name}” again to go on with its backup.`)
        blob = await readHandle(entry.handle)
      }
      // The size must match; the contents are checked segment by segment as they are encoded again
      // (backupFile: FileChangedError before anything of a changed segment is sent). A copy of the
      // same file with another date is the same file.
      if (blob.size !== entry.size) {
        throw new FileChangedError(
          `This is not the file the backup began with: “${entry.name}” had ${entry.size} bytes, this one has ${blob.size}. Pick that file, or discard the interrupted backup and back this one up anew.`,
        )
      }
      const resume = await this.#backups.resumeState(entry, vault)
      return this.#place(blob, makePolicy({ k: entry.k, n: entry.n }), entry.name, this.#backups.hooks({ entry }), resume, options)
    })
  }

  async discardBackup(id: string, options: { onProgress?: (e: RemoveProgress) => void } = {}): Promise<RemoveReport> {
    const vault = this.#requireVault()
    const entry = await this.#backups.get(id)
    const report = await deleteSigned(await this.#net(), vault, this.#backups.discardJobs(entry), options.onProgress)
    await this.#backups.forget(id)
    return { ...report, recordCopies: 0 }
  }

  /** Places a file (fresh, or resumed from its journal), saves its manifest, and renews its leases to the owner's term. */
  async #place(
    file: File | Blob,
    policy: RedundancyPolicy,
    name: string,
    journal: ReturnType<BackupJournal['hooks']>,
    resume: ResumeState | undefined,
    options: BackupJobOptions,
  ): Promise<FileEntry> {
    const vault = this.#requireVault()
    const manifests = this.#manifests()
    const { onProgress, signal } = options
    onProgress?.({ type: 'stage', stage: 'finding-hosts' })
    let manifest: FileManifest
    let net: PeerNetwork
    try {
      net = await this.#net()
      let encoding = false
      manifest = await backupFile(net, vault, file, {
        policy,
        encoder: (this.#encoder ??= this.parts.encoder()),
        preference: this.#maintenance.preference,
        maxPrice: this.#settings.maxPrice,
        ...(signal ? { signal } : {}),
        ...(this.parts.escrows && this.parts.wallet && this.parts.ledger ? { pay: (req) => this.#pay(this.parts.escrows!, net, req, options) } : {}),
        name,
        journal,
        ...(resume ? { resume } : {}),
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
    } catch (err) {
      // A fresh backup took back what it placed; a resumed one keeps it, for Resume or Discard.
      if (resume) journal.stop()
      else await journal.done()
      throw err
    }
    onProgress?.({ type: 'stage', stage: 'saving-manifest' })
    let saved: Awaited<ReturnType<ManifestRepository['save']>>
    try {
      saved = await manifests.save(manifest, undefined)
    } catch (err) {
      // Without a saved manifest nothing could ever find or delete these shares: take them back.
      await deleteShares(net, vault, manifest).catch(() => {})
      await journal.done()
      throw err
    }
    // The shares were stored under a short lease: now that a manifest names them, the owner's term.
    const holdings = manifest.segments.flatMap((seg) => seg.shares.flatMap((sh) => sh.holders.map((peer) => ({ peer, key: sh.key }))))
    await renewLeases(net, vault, holdings, this.#settings.leaseMs).catch(() => {})
    await journal.done()
    // Pay on delivery: the hosts that charge can claim their first window now that a manifest names their shares.
    const escrows = (await this.parts.escrows?.list(toHex(manifest.fileId)).catch(() => [])) ?? []
    if (this.parts.escrows && escrows.length > 0) {
      const { revealDelivery } = await import('../transfer/pay.ts')
      await revealDelivery(this.#revealParts(this.parts.escrows, net), escrows).catch(() => {})
    }
    const published = await manifests.publish(saved.record, net, signal ? { signal } : {})
    onProgress?.({ type: 'manifest:saved', copies: published.peers.length })
    onProgress?.({ type: 'stage', stage: 'done' })
    return this.#entry(manifest)
  }

  async #restore(fileId: string, sink: WritableStream<Uint8Array>, options: RestoreOptions): Promise<RestoreReport> {
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
      const chunks = restoreFile(await this.#net(), vault, manifest, {
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
    // Every record is signed by this vault's key (checked); one that does not open (a newer
    // manifest version) is left out of the list rather than stopping the others.
    await this.#manifests().sync(await this.#net())
    // What a repair host did while this tab was closed (a failure is kept in delegation.status()).
    await this.delegation.sync().catch(() => undefined)
    return this.files()
  }

  async remove(fileId: string, options: { onProgress?: (e: RemoveProgress) => void } = {}): Promise<RemoveReport> {
    const vault = this.#requireVault()
    // The file leaves the list here first, then on the network (a later sync pushes the
    // tombstone again to peers that missed it), and only then are its shares deleted: no order
    // of failures leaves a listed file without its shares.
    const net = await this.#net()
    const { manifest, published } = await this.#manifests().remove(fileId, net)
    this.#maintenance.forget(fileId)
    const report = await deleteShares(net, vault, manifest, options.onProgress ? { onProgress: options.onProgress } : {})
    return { ...report, recordCopies: published.peers.length }
  }

  async placement(fileId: string): Promise<string[][]> {
    const m = await this.#manifest(fileId)
    return m.segments.map((seg) => seg.shares.map((sh) => sh.holders[0] ?? ''))
  }

  async checkHealth(fileId: string, options: { signal?: AbortSignal } = {}): Promise<FileHealth> {
    return this.#maintenance.check(fileId, options)
  }

  async repair(fileId: string, options: { onProgress?: (e: RepairProgress) => void; signal?: AbortSignal } = {}): Promise<RepairReport> {
    return this.#maintenance.repair(fileId, { force: true, ...options })
  }

  async #placements(): Promise<PeerPlacement[]> {
    if (!this.#vault) return []
    const counts = new Map<string, number>()
    for (const m of await this.#liveManifests()) {
      for (const seg of m.segments) for (const sh of seg.shares) for (const p of sh.holders) counts.set(p, (counts.get(p) ?? 0) + 1)
    }
    const reps = this.#maintenance.reputations()
    // Disqualified hosts stay listed after their shares moved away, so the owner sees why.
    for (const [peer, r] of reps) if (isDisqualified(r) && !counts.has(peer)) counts.set(peer, 0)
    const connected = new Set((this.parts.peers.started ? this.parts.peers.status().connections : []).map((c) => c.peerId))
    return [...counts].map(([peerId, shares]) => {
      const r = reps.get(peerId)
      const reputation: HostScore | undefined = r && {
        audit: scoreOf(r.audit),
        online: scoreOf(r.online),
        passed: r.passed,
        failed: r.failed,
        disqualified: isDisqualified(r),
        ...(r.lastSeen !== undefined ? { lastSeen: r.lastSeen } : {}),
        ...(r.offlineSince !== undefined ? { offlineSince: r.offlineSince } : {}),
      }
      return { peerId, shares, connected: connected.has(peerId), ...(reputation ? { reputation } : {}) }
    })
  }
}

/** A hosting quota that is not a whole, non-negative number of bytes. */
export class InvalidQuotaError extends LayrError {
  override readonly name = 'InvalidQuotaError'
}
