/**
 * The Settings view: redundancy for new backups, checks and repair (what a check catches, and
 * how long a host may be away before its shares are rebuilt elsewhere, and how long hosts keep
 * the shares after the owner's last visit: the lease), the recovery text
 * (export, and import which replaces this browser's vault), the passphrase the vault is kept
 * under in this browser (set, change, remove), and the relays to join through.
 */
import type { Layr } from '../layr/api.ts'
import { describeError, type Problem } from './errors.ts'
import { fromStroops, toStroops } from '../pay/amounts.ts'
import { MAX_LOST_AFTER_HOURS, describeRedundancy, leaseDays, leaseMs, lostAfterHours, lostAfterMs, parseRelays } from './forms.ts'
import { MAX_LEASE_MS, MIN_LEASE_MS } from '../core/lease/index.ts'
import { describeAuditFigures } from './health.ts'
import { formatDuration } from '../ui/format.ts'
import { PassphraseDraft } from './passphrase.svelte.ts'
import type { LedgerChoice } from '../ports/ledger.ts'
import { describeLedger } from './wallet.svelte.ts'
import { DelegationState } from './delegation.svelte.ts'

export class SettingsState {
  readonly #layr: Layr
  readonly #adoptVault: (text: string) => Promise<void>

  /** The form's numbers (null while a field is empty). */
  k = $state<number | null>(null)
  n = $state<number | null>(null)
  savedK = $state(0)
  savedN = $state(0)
  redundancyProblem = $state.raw<Problem | undefined>()
  redundancyNotice = $state('')

  /** Hours a host may be away before its shares are rebuilt elsewhere (null while the field is empty). */
  lostHours = $state<number | null>(null)
  savedLostHours = $state(0)
  lostProblem = $state.raw<Problem | undefined>()
  lostNotice = $state('')

  /** Days hosts keep this owner's shares after its last renewal (null while the field is empty). */
  /** The most this owner pays a host, as typed (XLM per GiB-month). */
  maxPriceText = $state('')
  savedMaxPriceText = $state('')
  maxPriceProblem = $state.raw<Problem | undefined>()
  maxPriceNotice = $state('')
  leaseDays = $state<number | null>(null)
  savedLeaseDays = $state(0)
  leaseProblem = $state.raw<Problem | undefined>()
  leaseNotice = $state('')

  /** The ledger form: which kind, and a custom Horizon's fields. */
  ledgerKind = $state<LedgerChoice['kind']>('local')
  ledgerUrl = $state('')
  ledgerPassphrase = $state('')
  ledgerFriendbot = $state('')
  ledgerProblem = $state.raw<Problem | undefined>()
  ledgerNotice = $state('')
  /** What the saved ledger is, in words. */
  ledgerText = $state('')

  relaysText = $state('')
  relaysProblem = $state.raw<Problem | undefined>()
  relaysNotice = $state('')

  revealed = $state(false)
  importText = $state('')
  confirmingImport = $state(false)
  importProblem = $state.raw<Problem | undefined>()
  importNotice = $state('')
  busy = $state(false)

  /** Whether the vault is kept under a passphrase in this browser. */
  hasPassphrase = $state(false)
  readonly passphrase = new PassphraseDraft()
  passphraseProblem = $state.raw<Problem | undefined>()
  passphraseNotice = $state('')
  confirmingRemove = $state(false)
  passphraseBusy = $state(false)

  readonly preview = $derived(describeRedundancy(this.k ?? Number.NaN, this.n ?? Number.NaN))
  readonly redundancyChanged = $derived(this.k !== this.savedK || this.n !== this.savedN)
  readonly lostChanged = $derived(this.lostHours !== this.savedLostHours)
  readonly leaseChanged = $derived(this.leaseDays !== this.savedLeaseDays)
  readonly maxPriceChanged = $derived(this.maxPriceText.trim() !== this.savedMaxPriceText)
  /** What one check asks and catches, from the facade's figures. */
  readonly auditFigures: string
  /** Repair while this tab is closed (a host's grant). */
  readonly delegation: DelegationState

  constructor(layr: Layr, adoptVault: (text: string) => Promise<void>) {
    this.#layr = layr
    this.#adoptVault = adoptVault
    this.delegation = new DelegationState(layr)
    this.k = this.savedK = layr.settings.k
    this.n = this.savedN = layr.settings.n
    this.lostHours = this.savedLostHours = lostAfterHours(layr.settings.lostAfterMs)
    this.leaseDays = this.savedLeaseDays = leaseDays(layr.settings.leaseMs)
    this.maxPriceText = this.savedMaxPriceText = fromStroops(BigInt(layr.settings.maxPrice)).replace(/\.?0+$/, '')
    this.auditFigures = describeAuditFigures(layr.maintenance.figures)
    this.relaysText = layr.settings.relays.join('\n')
    this.hasPassphrase = layr.vault.hasPassphrase
    this.#showLedger()
  }

  #showLedger(): void {
    const l = this.#layr.settings.ledger
    this.ledgerKind = l.kind
    if (l.kind === 'custom') {
      this.ledgerUrl = l.horizonUrl
      this.ledgerPassphrase = l.passphrase
      this.ledgerFriendbot = l.friendbotUrl ?? ''
    }
    this.ledgerText = describeLedger(this.#layr.settings.ledgerNetwork)
  }

  async saveLedger(): Promise<void> {
    this.ledgerProblem = undefined
    this.ledgerNotice = ''
    const friendbot = this.ledgerFriendbot.trim()
    const choice: LedgerChoice =
      this.ledgerKind === 'custom'
        ? { kind: 'custom', horizonUrl: this.ledgerUrl.trim(), passphrase: this.ledgerPassphrase, ...(friendbot ? { friendbotUrl: friendbot } : {}) }
        : { kind: this.ledgerKind }
    try {
      await this.#layr.settings.setLedger(choice)
      this.#showLedger()
      this.ledgerNotice =
        choice.kind === 'custom'
          ? 'Saved. This page can reach that Horizon only if the relay lists its origin in LAYR_LEDGER_ORIGINS (its security policy); testnet is listed by default.'
          : 'Saved: Layr now pays and is paid on this ledger.'
    } catch (err) {
      this.ledgerProblem = describeError(err)
    }
  }

  get currentRedundancy(): string | undefined {
    return describeRedundancy(this.savedK, this.savedN)
  }

  async saveRedundancy(): Promise<void> {
    this.redundancyProblem = undefined
    this.redundancyNotice = ''
    try {
      await this.#layr.settings.setRedundancy(this.k ?? Number.NaN, this.n ?? Number.NaN)
      this.savedK = this.#layr.settings.k
      this.savedN = this.#layr.settings.n
      this.redundancyNotice = `Saved: new backups use ${this.savedK} of ${this.savedN}. Files already backed up keep theirs.`
    } catch (err) {
      this.redundancyProblem = describeError(err)
    }
  }

  async saveLostAfter(): Promise<void> {
    this.lostProblem = undefined
    this.lostNotice = ''
    const ms = lostAfterMs(this.lostHours)
    if (ms === undefined) {
      this.lostProblem = { name: 'InvalidInputError', message: `Type a number of hours from 0 to ${MAX_LOST_AFTER_HOURS}.`, tone: 'warning' }
      return
    }
    try {
      await this.#layr.settings.setLostAfter(ms)
      const saved = this.#layr.settings.lostAfterMs
      this.lostHours = this.savedLostHours = lostAfterHours(saved)
      this.lostNotice =
        saved === 0
          ? 'Saved: the shares of a host are rebuilt elsewhere as soon as a check finds it away.'
          : `Saved: the shares of a host away for more than ${formatDuration(saved)} are rebuilt elsewhere.`
    } catch (err) {
      this.lostProblem = describeError(err)
    }
  }

  async saveMaxPrice(): Promise<void> {
    this.maxPriceProblem = undefined
    this.maxPriceNotice = ''
    let stroops: number
    try {
      stroops = Number(toStroops(this.maxPriceText.trim() || '0'))
    } catch {
      this.maxPriceProblem = { name: 'InvalidInputError', message: 'Type an amount of XLM, such as 1 or 0.5 (0: free hosts only).', tone: 'warning' }
      return
    }
    try {
      await this.#layr.settings.setMaxPrice(stroops)
      this.maxPriceText = this.savedMaxPriceText = fromStroops(BigInt(this.#layr.settings.maxPrice)).replace(/\.?0+$/, '')
      this.maxPriceNotice =
        stroops === 0
          ? 'Saved: your backups prefer hosts that store for free.'
          : `Saved: your backups prefer hosts that charge at most ${this.savedMaxPriceText} XLM per GiB-month, and ask before paying any.`
    } catch (err) {
      this.maxPriceProblem = describeError(err)
    }
  }

  async saveLease(): Promise<void> {
    this.leaseProblem = undefined
    this.leaseNotice = ''
    const ms = leaseMs(this.leaseDays)
    if (ms === undefined) {
      this.leaseProblem = {
        name: 'InvalidInputError',
        message: `Type a whole number of days from ${leaseDays(MIN_LEASE_MS)} to ${leaseDays(MAX_LEASE_MS)}.`,
        tone: 'warning',
      }
      return
    }
    try {
      await this.#layr.settings.setLease(ms)
      this.leaseDays = this.savedLeaseDays = leaseDays(this.#layr.settings.leaseMs)
      this.leaseNotice = `Saved: hosts keep your shares for ${this.savedLeaseDays} days after your last visit. Layr renews them while it is open.`
    } catch (err) {
      this.leaseProblem = describeError(err)
    }
  }

  async saveRelays(): Promise<void> {
    this.relaysProblem = undefined
    this.relaysNotice = ''
    try {
      const relays = parseRelays(this.relaysText)
      await this.#layr.settings.setRelays(relays)
      this.relaysText = this.#layr.settings.relays.join('\n')
      this.relaysNotice =
        (relays.length === 0 ? 'Saved: Layr joins through this page’s own relay.' : `Saved ${relays.length === 1 ? 'one relay' : `${relays.length} relays`}.`) +
        ' Reload the page to connect through them.'
    } catch (err) {
      this.relaysProblem = describeError(err)
    }
  }

  recoveryText(): string {
    return this.#layr.vault.recoveryText()
  }

  askImport(): void {
    this.importProblem = undefined
    this.importNotice = ''
    if (this.importText.trim() === '') {
      this.importProblem = { name: 'RecoveryTextError', message: 'Paste a recovery text (it starts with layr1-) first.', tone: 'warning' }
      return
    }
    this.confirmingImport = true
  }

  cancelImport(): void {
    this.confirmingImport = false
  }

  /** Replaces this browser's vault with the pasted one. */
  async confirmImport(): Promise<void> {
    this.confirmingImport = false
    if (this.busy) return
    this.busy = true
    try {
      const hadPassphrase = this.hasPassphrase
      await this.#adoptVault(this.importText)
      this.importText = ''
      this.revealed = false
      this.hasPassphrase = this.#layr.vault.hasPassphrase
      this.importNotice =
        'This browser now uses the restored vault. Its files are listed under Files as they are found.' +
        (hadPassphrase && !this.hasPassphrase ? ' It is kept here without a passphrase: set one below to protect it.' : '')
    } catch (err) {
      this.importProblem = describeError(err)
    } finally {
      this.busy = false
    }
  }

  /** Sets the passphrase, or changes it (the vault is open, so the old one is not asked again). */
  async savePassphrase(): Promise<void> {
    if (this.passphraseBusy) return
    this.passphraseProblem = undefined
    this.passphraseNotice = ''
    this.passphraseBusy = true
    try {
      const changing = this.hasPassphrase
      await this.#layr.vault.setPassphrase(this.passphrase.chosen(false) ?? '')
      this.hasPassphrase = true
      this.passphrase.clear()
      this.passphraseNotice = changing
        ? 'Passphrase changed. Layr asks for the new one when it opens.'
        : 'Passphrase set. Layr asks for it each time it opens in this browser.'
    } catch (err) {
      this.passphraseProblem = describeError(err)
    } finally {
      this.passphraseBusy = false
    }
  }

  askRemovePassphrase(): void {
    this.passphraseProblem = undefined
    this.passphraseNotice = ''
    this.confirmingRemove = true
  }

  cancelRemovePassphrase(): void {
    this.confirmingRemove = false
  }

  async confirmRemovePassphrase(): Promise<void> {
    this.confirmingRemove = false
    if (this.passphraseBusy) return
    this.passphraseBusy = true
    try {
      await this.#layr.vault.removePassphrase()
      this.hasPassphrase = false
      this.passphrase.clear()
      this.passphraseNotice = 'Passphrase removed. Layr opens without asking; the vault is kept in this browser unprotected.'
    } catch (err) {
      this.passphraseProblem = describeError(err)
    } finally {
      this.passphraseBusy = false
    }
  }
}
