/**
 * The Hosting view: on/off, the quota, and what this tab holds and serves for others. Stats are
 * polled while the view is shown (`watch()`).
 */
import type { HostEarnings, HostingStats, Layr } from '../layr/api.ts'
import { fromStroops, toStroops } from '../pay/amounts.ts'
import { describeError, type Problem } from './errors.ts'
import { QUOTA_UNIT, quotaParts, type QuotaUnit } from './forms.ts'
import { displayKind } from '../net/self-description.ts'
import { keepHostingHint, type KeepHostingHint } from './keep-hosting.ts'

export class HostingState {
  readonly #layr: Layr

  stats = $state.raw<HostingStats | undefined>()
  /** The browser's own figures for this site (navigator.storage.estimate()). */
  estimate = $state.raw<{ usage: number; quota: number } | undefined>()
  busy = $state(false)
  problem = $state.raw<Problem | undefined>()
  notice = $state('')
  quotaValue = $state(1)
  quotaUnit = $state<QuotaUnit>('GiB')

  /** The price form: XLM per GiB-month as typed ("0" is free), and the payout account. */
  priceText = $state('0')
  payoutText = $state('')
  savedPrice = $state(0)
  savedPayout = $state<string | undefined>()
  pricingProblem = $state.raw<Problem | undefined>()
  pricingNotice = $state('')
  earnings = $state.raw<HostEarnings | undefined>()

  /** Whether this page runs as an installed app or in a tab (what its STAT says: src/net/self-description.ts). */
  kind = $state<'tab' | 'app'>(displayKind())
  /** How to keep hosting, and what owners see of this host. */
  readonly keepHosting: KeepHostingHint = $derived(keepHostingHint(this.kind, this.stats?.persisted))

  /** Whether this tab hosts now (from the stats). */
  readonly enabled = $derived(this.stats?.enabled ?? false)
  /** The person's saved choice (hosting starts by itself when the app opens, while it is on). */
  chosen = $state(true)
  /** Chosen, not running yet, and nothing went wrong: the node is still starting. */
  readonly starting = $derived(this.chosen && !this.enabled && this.stats !== undefined && !this.stats.error && this.stats.role !== 'client')
  readonly quotaBytes = $derived(Math.round(this.quotaValue * QUOTA_UNIT[this.quotaUnit]))
  readonly quotaChanged = $derived(this.stats !== undefined && this.quotaBytes !== this.stats.quota)

  constructor(layr: Layr) {
    this.#layr = layr
    this.chosen = layr.hosting.enabled
    const q = quotaParts(layr.hosting.quota)
    this.quotaValue = q.value
    this.quotaUnit = q.unit
    this.#showPricing()
  }

  #showPricing(): void {
    this.savedPrice = this.#layr.hosting.price
    this.savedPayout = this.#layr.hosting.payoutAccount
    this.priceText = fromStroops(BigInt(this.savedPrice)).replace(/\.?0+$/, '')
    this.payoutText = this.savedPayout ?? ''
  }

  /** Saves the price (XLM per GiB-month) and the payout account. */
  async savePricing(): Promise<void> {
    this.pricingProblem = undefined
    this.pricingNotice = ''
    let price: number
    try {
      price = Number(toStroops(this.priceText.trim() || '0'))
    } catch {
      this.pricingProblem = {
        name: 'InvalidInputError',
        message: 'Type the price in XLM, such as 0.5 (at most 7 decimals); 0 hosts for free.',
        tone: 'warning',
      }
      return
    }
    try {
      await this.#layr.hosting.setPricing({ price, account: this.payoutText.trim() || undefined })
      this.#showPricing()
      this.pricingNotice =
        price === 0
          ? 'Saved: this tab hosts for free.'
          : 'Saved: owners now pay this price through an escrow before they store here; hosts that store for free stay their other choice.'
    } catch (err) {
      this.pricingProblem = describeError(err)
    }
  }

  /** Fills the payout account with the connected wallet's address. */
  async useWalletAddress(): Promise<void> {
    this.pricingProblem = undefined
    try {
      this.payoutText = await this.#layr.wallet.address()
    } catch (err) {
      this.pricingProblem = describeError(err)
    }
  }

  async refresh(): Promise<void> {
    this.kind = displayKind()
    try {
      this.stats = await this.#layr.hosting.stats()
      this.chosen = this.#layr.hosting.enabled
      this.earnings = await this.#layr.hosting.earnings()
    } catch (err) {
      this.problem = describeError(err)
    }
    const storage = typeof navigator !== 'undefined' ? navigator.storage : undefined
    if (storage?.estimate) {
      const e = await storage.estimate().catch(() => undefined)
      if (e?.quota !== undefined) this.estimate = { usage: e.usage ?? 0, quota: e.quota }
    }
  }

  /** Polls the stats while the view is shown; returns the stop function for $effect. */
  watch(everyMs = 2000): () => void {
    void this.refresh()
    // Hosting starts in the background when the app opens: show it as soon as it is up.
    void this.#layr.ready.then(() => this.refresh())
    const timer = setInterval(() => void this.refresh(), everyMs)
    return () => clearInterval(timer)
  }

  async setEnabled(on: boolean): Promise<void> {
    if (this.busy) return
    this.busy = true
    this.problem = undefined
    try {
      if (on) {
        this.stats = await this.#layr.hosting.start(this.quotaChanged ? this.quotaBytes : undefined)
        this.notice = 'Hosting is on. Keep this tab open so other people can reach their shares.'
      } else {
        await this.#layr.hosting.stop()
        this.notice = 'Hosting is off: this tab takes and serves no shares for others. Shares already kept here stay saved until you turn it on again.'
        await this.refresh()
      }
    } catch (err) {
      this.problem = describeError(err)
      await this.refresh()
    } finally {
      this.chosen = this.#layr.hosting.enabled
      this.busy = false
    }
  }

  /** The switch: off when it hosts or is starting to, else on. */
  async toggle(): Promise<void> {
    await this.setEnabled(!(this.enabled || this.starting))
  }

  async saveQuota(): Promise<void> {
    if (this.busy) return
    this.busy = true
    this.problem = undefined
    try {
      if (!Number.isFinite(this.quotaValue) || this.quotaValue < 0) throw new RangeError('Enter the space to offer as a number of MiB or GiB, 0 or more.')
      await this.#layr.hosting.setQuota(this.quotaBytes)
      this.notice = 'Quota saved.'
      await this.refresh()
    } catch (err) {
      this.problem = err instanceof RangeError ? { name: 'InvalidQuotaError', message: err.message, tone: 'warning' } : describeError(err)
    } finally {
      this.busy = false
    }
  }
}
