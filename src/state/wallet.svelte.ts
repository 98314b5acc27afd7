/**
 * The Wallet view: whether Freighter is here, the connected account, the network Freighter is on
 * (and whether it is the app's ledger), the account's balance on that ledger, and test lumens where
 * the ledger has a friendbot. Freighter's adapter is loaded only when this view first asks
 * (layr.wallet loads it lazily). Account and network switches come through the port's watch while
 * the view is shown.
 */
import type { EscrowView, Layr, LedgerNetwork, WalletNetwork, WalletState as WalletWatchState } from '../layr/api.ts'
import { describeError, type Problem } from './errors.ts'

/** checking: asking whether Freighter is there; missing: it is not; disconnected: there, not connected; connected. */
export type WalletPhase = 'checking' | 'missing' | 'disconnected' | 'connected'

/** "10,000.5 XLM" from stroops, without a float on the way. */
export function formatLumens(stroops: bigint): string {
  const negative = stroops < 0n
  const s = negative ? -stroops : stroops
  const whole = (s / 10_000_000n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const frac = (s % 10_000_000n).toString().padStart(7, '0').replace(/0+$/, '')
  return `${negative ? '−' : ''}${whole}${frac ? `.${frac}` : ''} XLM`
}

/** What a person reads about the ledger the app uses. */
export function describeLedger(network: LedgerNetwork): string {
  if (network.kind === 'local') {
    return 'Local development ledger on this relay — a stand-in for testing, not a blockchain: its lumens exist nowhere else.'
  }
  if (network.kind === 'testnet') return 'Stellar testnet — a public test network: its lumens have no value, and it is reset a few times a year.'
  return `A Horizon you chose: ${network.horizonUrl}`
}

/** A failure as the view shows it: the typed error's words, its name and message folded away. */
function problemOf(err: unknown): Problem {
  const p = describeError(err)
  return { ...p, detail: `${p.name}: ${(err as Error | undefined)?.message ?? String(err)}` }
}

export class WalletViewState {
  readonly #layr: Layr

  phase = $state<WalletPhase>('checking')
  address = $state<string | undefined>()
  network = $state.raw<WalletNetwork | undefined>()
  networkMatches = $state(true)
  /** Stroops; undefined while unknown; null: the account does not exist on this ledger yet. */
  balance = $state<bigint | null | undefined>()
  busy = $state(false)
  /** The escrows this owner's backups funded, newest first, as the ledger says. */
  escrows = $state.raw<readonly EscrowView[]>([])
  problem = $state.raw<Problem | undefined>()
  notice = $state('')

  constructor(layr: Layr) {
    this.#layr = layr
  }

  get ledger(): LedgerNetwork {
    return this.#layr.ledger.network
  }

  get ledgerText(): string {
    return describeLedger(this.ledger)
  }

  get canFund(): boolean {
    return this.#layr.ledger.canFund
  }

  /** The wallet's network, when it is not the app's ledger: what to tell the person. */
  get mismatch(): string | undefined {
    if (this.networkMatches || !this.network) return undefined
    const want = this.#layr.wallet.ledger
    return (
      `Freighter is on “${this.network.name}”, but Layr's ledger is “${want.name}”. Nothing can be signed until they match: ` +
      `in Freighter, switch to a network with the passphrase “${want.passphrase}”${want.horizonUrl ? ` (Horizon ${want.horizonUrl})` : ''}, ` +
      'or change the ledger in Settings.'
    )
  }

  /** Detects Freighter and reads its state; then follows it. Returns the stop function for $effect. */
  watch(): () => void {
    let stop: (() => void) | undefined
    let stopped = false
    void (async () => {
      await this.check()
      if (stopped || this.phase === 'missing') return
      stop = this.#layr.wallet.watch(
        (s) => void this.#follow(s),
        (err) => {
          if (err.name === 'WalletMissingError') this.phase = 'missing'
          else this.problem = problemOf(err)
        },
      )
    })()
    return () => {
      stopped = true
      stop?.()
    }
  }

  /** Is Freighter there, and is this site connected? */
  async check(): Promise<void> {
    this.phase = 'checking'
    this.problem = undefined
    try {
      if (!(await this.#layr.wallet.detect())) {
        this.phase = 'missing'
        return
      }
      const [address, network] = await Promise.all([this.#layr.wallet.address().catch(() => undefined), this.#layr.wallet.network()])
      this.#setNetwork(network)
      if (address) await this.#connected(address)
      else this.phase = 'disconnected'
    } catch (err) {
      this.problem = problemOf(err)
      if (this.phase === 'checking') this.phase = 'disconnected'
    }
  }

  async connect(): Promise<void> {
    if (this.busy) return
    this.busy = true
    this.problem = undefined
    this.notice = ''
    try {
      const address = await this.#layr.wallet.connect()
      this.#setNetwork(await this.#layr.wallet.network())
      await this.#connected(address)
    } catch (err) {
      if ((err as Error).name === 'WalletMissingError') this.phase = 'missing'
      this.problem = problemOf(err)
    } finally {
      this.busy = false
    }
  }

  async refreshBalance(): Promise<void> {
    const address = this.address
    if (!address) return
    try {
      this.balance = (await this.#layr.ledger.balance(address)) ?? null
    } catch (err) {
      this.problem = problemOf(err)
    }
  }

  /** Reads every escrow's state on the ledger again. */
  async refreshEscrows(): Promise<void> {
    try {
      this.escrows = await this.#layr.payments.escrows()
    } catch (err) {
      this.problem = problemOf(err)
    }
  }

  /** Test lumens from the ledger's friendbot, for the connected account. */
  async fund(): Promise<void> {
    const address = this.address
    if (!address || this.busy) return
    this.busy = true
    this.problem = undefined
    this.notice = ''
    try {
      await this.#layr.ledger.fund(address)
      await this.refreshBalance()
      this.notice = this.ledger.kind === 'local' ? 'Test lumens received from this relay’s development ledger.' : 'Test lumens received.'
    } catch (err) {
      this.problem = problemOf(err)
    } finally {
      this.busy = false
    }
  }

  async #follow(s: WalletWatchState): Promise<void> {
    this.networkMatches = s.networkMatches
    if (s.network.passphrase) this.network = { ...this.network, ...s.network, name: s.network.name }
    if (s.address === undefined) {
      if (this.phase === 'connected') this.phase = 'disconnected'
      this.address = undefined
      this.balance = undefined
      return
    }
    if (s.address !== this.address || this.phase !== 'connected') await this.#connected(s.address)
  }

  #setNetwork(network: WalletNetwork): void {
    this.network = network
    this.networkMatches = network.passphrase === this.#layr.wallet.ledger.passphrase
  }

  async #connected(address: string): Promise<void> {
    this.address = address
    this.phase = 'connected'
    this.balance = undefined
    await this.refreshBalance()
  }
}
