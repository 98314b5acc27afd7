/**
 * The app's top level: opening Layr, the first run (make a vault and save its recovery text, or
 * restore one), and which view is shown. Each view has its own state class, made once the
 * facade is open.
 */
import { openLayr, type Layr } from '../layr/index.ts'
import { describeError, type Problem } from './errors.ts'
import { FilesState } from './files.svelte.ts'
import { HostingState } from './hosting.svelte.ts'
import { NetworkState } from './network.svelte.ts'
import { SettingsState } from './settings.svelte.ts'

export const VIEWS = ['files', 'hosting', 'network', 'settings'] as const
export type View = (typeof VIEWS)[number]

/**
 * loading: opening the facade; welcome: no vault yet; save-recovery: a vault whose recovery text
 * the person has not confirmed saving; app: the views; broken: the facade could not open.
 */
export type Phase = 'loading' | 'welcome' | 'save-recovery' | 'app' | 'broken'

/** Which vault's recovery text the person said they saved (localStorage). */
const SAVED_KEY = 'layr-recovery-saved'

export class AppState {
  phase = $state<Phase>('loading')
  view = $state<View>(viewFromHash())
  /** The recovery text to save during the first run. */
  recoveryText = $state('')
  busy = $state(false)
  problem = $state.raw<Problem | undefined>()

  layr: Layr | undefined
  files: FilesState | undefined
  hosting: HostingState | undefined
  network: NetworkState | undefined
  settings: SettingsState | undefined

  async open(): Promise<void> {
    try {
      const layr = await openLayr()
      this.layr = layr
      this.files = new FilesState(layr)
      this.hosting = new HostingState(layr)
      this.network = new NetworkState(layr)
      this.settings = new SettingsState(layr, (text) => this.#adoptVault(text))
      if (!layr.vault.exists) this.phase = 'welcome'
      else if (localStorage.getItem(SAVED_KEY) !== layr.vault.ownerId) {
        this.recoveryText = layr.vault.recoveryText()
        this.phase = 'save-recovery'
      } else this.#enter()
    } catch (err) {
      this.problem = describeError(err)
      this.phase = 'broken'
    }
  }

  /** First run: makes the vault; the person then saves its recovery text. */
  async createVault(): Promise<void> {
    if (!this.layr || this.busy) return
    this.busy = true
    this.problem = undefined
    try {
      this.recoveryText = await this.layr.vault.create()
      this.phase = 'save-recovery'
    } catch (err) {
      this.problem = describeError(err)
    } finally {
      this.busy = false
    }
  }

  /** The person has saved the recovery text: on to the app. */
  confirmSaved(): void {
    if (!this.layr?.vault.ownerId) return
    localStorage.setItem(SAVED_KEY, this.layr.vault.ownerId)
    this.recoveryText = ''
    this.#enter()
  }

  /** First run: restore a vault from its recovery text, then fetch its file list. */
  async restoreVault(text: string): Promise<void> {
    if (!this.layr || this.busy) return
    this.busy = true
    this.problem = undefined
    try {
      await this.#adoptVault(text)
      this.#enter()
    } catch (err) {
      this.problem = describeError(err)
    } finally {
      this.busy = false
    }
  }

  /** Replaces the vault (first run or Settings) and marks its text as saved: the person has it. */
  async #adoptVault(text: string): Promise<void> {
    const layr = this.layr
    if (!layr) return
    await layr.vault.importRecoveryText(text.trim())
    if (layr.vault.ownerId) localStorage.setItem(SAVED_KEY, layr.vault.ownerId)
    await this.files?.reset()
    void this.files?.sync()
  }

  show(view: View): void {
    this.view = view
    if (location.hash !== `#${view}`) history.replaceState(null, '', `#${view}`)
  }

  #enter(): void {
    this.phase = 'app'
    void this.files?.refresh()
  }
}

function viewFromHash(): View {
  const h = typeof location === 'undefined' ? '' : location.hash.slice(1)
  return (VIEWS as readonly string[]).includes(h) ? (h as View) : 'files'
}
