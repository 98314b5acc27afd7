/**
 * The app's top level: opening Layr, the first run (make a vault and save its recovery text, or
 * restore one; either may be kept under a passphrase in this browser), unlocking a vault kept
 * under a passphrase, and which view is shown. Each view has its own state class, made once the
 * facade is open.
 */
import { openLayr, type Layr } from '../layr/index.ts'
import { describeError, type Problem } from './errors.ts'
import { PassphraseDraft } from './passphrase.svelte.ts'
import { FilesState } from './files.svelte.ts'
import { HostingState } from './hosting.svelte.ts'
import { NetworkState } from './network.svelte.ts'
import { SettingsState } from './settings.svelte.ts'
import { WalletViewState } from './wallet.svelte.ts'

export const VIEWS = ['files', 'hosting', 'wallet', 'network', 'settings'] as const
export type View = (typeof VIEWS)[number]
/** The views offered before a vault exists ('files' is then the first-run screen). */
export const PRE_VAULT_VIEWS: readonly View[] = ['files', 'hosting', 'wallet', 'network']

/**
 * loading: opening the facade; welcome: no vault yet; locked: the vault is kept under a passphrase
 * not given yet (nothing of the owner's files is shown; hosting goes on); save-recovery: a vault
 * whose recovery text the person has not confirmed saving; app: the views; broken: the facade
 * could not open.
 */
export type Phase = 'loading' | 'welcome' | 'locked' | 'save-recovery' | 'app' | 'broken'

/** Which vault's recovery text the person said they saved (localStorage). */
const SAVED_KEY = 'layr-recovery-saved'

export class AppState {
  phase = $state<Phase>('loading')
  view = $state<View>(viewFromHash())
  /** The recovery text to save during the first run. */
  recoveryText = $state('')
  busy = $state(false)
  problem = $state.raw<Problem | undefined>()
  /** The first run's optional passphrase (after saving the recovery text, or with a restore). */
  readonly passphrase = new PassphraseDraft()

  layr: Layr | undefined
  files: FilesState | undefined
  hosting: HostingState | undefined
  network: NetworkState | undefined
  settings: SettingsState | undefined
  wallet: WalletViewState | undefined

  async open(): Promise<void> {
    try {
      const layr = await openLayr()
      this.layr = layr
      this.files = new FilesState(layr)
      this.hosting = new HostingState(layr)
      this.network = new NetworkState(layr)
      this.wallet = new WalletViewState(layr)
      this.settings = new SettingsState(layr, (text) => this.#adoptVault(text))
      if (!layr.vault.exists) this.phase = 'welcome'
      else if (layr.vault.locked) this.phase = 'locked'
      else this.#afterOpen()
    } catch (err) {
      this.problem = describeError(err)
      this.phase = 'broken'
    }
  }

  /** First run: makes the vault; the person then saves its recovery text. */
  async createVault(): Promise<void> {
    const layr = this.layr
    if (!layr || this.busy) return
    await this.#busyWith(async () => {
      // Kept in this browser only once the person goes on, plain or under the passphrase they
      // chose then: a vault meant to be locked never reaches the browser's storage in the clear.
      this.recoveryText = await layr.vault.create({ keep: false })
      this.phase = 'save-recovery'
    })
  }

  /** The person has saved the recovery text (and chose a passphrase, or not): on to the app. */
  async confirmSaved(): Promise<void> {
    const layr = this.layr
    const ownerId = layr?.vault.ownerId
    if (!layr || !ownerId || this.busy) return
    await this.#busyWith(async () => {
      const passphrase = this.passphrase.chosen(true)
      if (passphrase !== undefined) await layr.vault.setPassphrase(passphrase)
      else await layr.vault.keep()
      localStorage.setItem(SAVED_KEY, ownerId)
      this.recoveryText = ''
      this.passphrase.clear()
      this.#enter()
    })
  }

  /** The vault is kept under a passphrase: open it with `passphrase`. */
  async unlock(passphrase: string): Promise<void> {
    const layr = this.layr
    if (!layr || this.busy) return
    await this.#busyWith(async () => {
      await layr.vault.unlock(passphrase)
      this.#afterOpen()
    })
  }

  /**
   * First run, or a forgotten passphrase: restore a vault from its recovery text (under a new
   * passphrase when one was chosen), then fetch its file list.
   */
  async restoreVault(text: string): Promise<void> {
    if (!this.layr || this.busy) return
    await this.#busyWith(async () => {
      await this.#adoptVault(text, this.passphrase.chosen(true))
      this.passphrase.clear()
      this.#enter()
    })
  }

  /** Replaces the vault (first run or Settings) and marks its text as saved: the person has it. */
  async #adoptVault(text: string, passphrase?: string): Promise<void> {
    const layr = this.layr
    if (!layr) return
    await layr.vault.importRecoveryText(text.trim(), passphrase === undefined ? {} : { passphrase })
    if (layr.vault.ownerId) localStorage.setItem(SAVED_KEY, layr.vault.ownerId)
    await this.files?.reset()
    // A vault just brought to this device: its list is on the network, which this tab has only just
    // joined, so look again a few times (about 45 s in all) before saying nobody answered.
    void this.files?.sync({ retries: 4 })
  }

  /** Runs one action of the first-run and unlock screens: one at a time, its failure shown as `problem`. */
  async #busyWith(action: () => Promise<void>): Promise<void> {
    this.busy = true
    this.problem = undefined
    try {
      await action()
    } catch (err) {
      this.problem = describeError(err)
    } finally {
      this.busy = false
    }
  }

  show(view: View): void {
    this.view = view
    if (location.hash !== `#${view}`) history.replaceState(null, '', `#${view}`)
  }

  /** An open vault: its recovery text first if the person has not said they saved it, else the views. */
  #afterOpen(): void {
    const layr = this.layr
    if (!layr) return
    if (localStorage.getItem(SAVED_KEY) !== layr.vault.ownerId) {
      this.recoveryText = layr.vault.recoveryText()
      this.phase = 'save-recovery'
    } else this.#enter()
  }

  #enter(): void {
    if (this.settings && this.layr) this.settings.hasPassphrase = this.layr.vault.hasPassphrase
    this.phase = 'app'
    void this.files?.refresh()
  }
}

function viewFromHash(): View {
  const h = typeof location === 'undefined' ? '' : location.hash.slice(1)
  return (VIEWS as readonly string[]).includes(h) ? (h as View) : 'files'
}
