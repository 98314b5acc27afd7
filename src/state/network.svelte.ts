/**
 * The Network view and the header's status line: this tab's node as the facade reports it
 * (subscribed for the app's lifetime), and the peers this vault's shares sit on with this owner's
 * scores of them (polled while the Network view is shown, and read again after every check and
 * repair, which change the scores).
 */
import type { Layr, NetworkStatus, PeerPlacement } from '../layr/api.ts'
import { describeError, type Problem } from './errors.ts'
import { summarize, type NetworkSummary } from './peers.ts'

export class NetworkState {
  readonly #layr: Layr
  #unsubscribe: (() => void) | undefined

  status = $state.raw<NetworkStatus | undefined>()
  placements = $state.raw<readonly PeerPlacement[]>([])
  starting = $state(true)
  problem = $state.raw<Problem | undefined>()

  readonly summary: NetworkSummary = $derived(summarize(this.status, this.starting, this.problem))
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(layr: Layr) {
    this.#layr = layr
  }

  /**
   * Follows the node's status, and starts it (idempotent) unless `start` is false (before a vault
   * the app's own background start does it, or a test that opened the page without it);
   * returns the stop function for $effect.
   */
  connect(options: { start?: boolean } = {}): () => void {
    this.#unsubscribe ??= this.#layr.network.subscribe((s) => {
      this.status = s
      this.starting = false
    })
    this.status = this.#layr.network.status() ?? this.status
    // The facade keeps retrying a failed start in the background: follow it until it runs.
    this.#timer ??= setInterval(() => this.#poll(), 2000)
    if (options.start !== false) this.#start()
    return () => {
      this.#unsubscribe?.()
      this.#unsubscribe = undefined
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }

  #start(): void {
    this.#layr.network.start().then(
      (s) => {
        this.status = this.#layr.network.status() ?? s
        this.starting = false
        this.problem = undefined
      },
      (err: unknown) => {
        this.starting = false
        this.problem = describeError(err)
      },
    )
  }

  #poll(): void {
    const error = this.#layr.network.lastError
    const status = this.#layr.network.status()
    if (status) {
      this.status = status
      this.starting = false
    }
    if (error) this.problem = describeError(error)
    else if (status && this.problem) this.problem = undefined
  }

  async refreshPlacements(): Promise<void> {
    try {
      this.placements = await this.#layr.network.placements()
    } catch (err) {
      this.problem = describeError(err)
    }
  }

  /** Polls placements while the Network view is shown, and reads them again when a check or repair ends. */
  watchPlacements(everyMs = 4000): () => void {
    void this.refreshPlacements()
    const timer = setInterval(() => void this.refreshPlacements(), everyMs)
    let soon: ReturnType<typeof setTimeout> | undefined
    const unsubscribe = this.#layr.maintenance.subscribe((e) => {
      if (e.type !== 'check:done' && e.type !== 'repair:done' && e.type !== 'repair:failed') return
      clearTimeout(soon)
      soon = setTimeout(() => void this.refreshPlacements(), 250)
    })
    return () => {
      clearInterval(timer)
      clearTimeout(soon)
      unsubscribe()
    }
  }
}
