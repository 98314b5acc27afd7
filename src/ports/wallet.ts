/**
 * Wallet: the owner's signing key, held by a browser extension (Freighter), never by Layr.
 * Layr builds Stellar transactions and asks the wallet to sign them; every signature is a
 * click by the owner, so callers ask once per upload, not once per host.
 *
 * The port is small and speaks XDR strings, so the payment code (src/pay/) does not know which
 * wallet signs. Adapters: src/adapters/wallet/freighter.ts (the extension, through
 * `@stellar/freighter-api`); in end-to-end tests the same adapter talks to a stand-in extension
 * (e2e/wallet/stand-in-wallet.ts) that answers Freighter's message protocol with a test key.
 *
 * Errors: every failure is one of the classes below, with a stable `name` and a message that
 * says what the person can do. Raw freighter-api results are turned into them in the adapter.
 */
import { LayrError } from '../core/errors.ts'

/** The Stellar network a wallet, or the app's ledger, is on. */
export interface WalletNetwork {
  /** The network passphrase: transactions are signed over it, so it is what must match. */
  readonly passphrase: string
  /** A name for people: Freighter's ("TESTNET", "PUBLIC", a custom network's), or the ledger setting's. */
  readonly name: string
  /** The Horizon the wallet is pointed at, when it says. */
  readonly horizonUrl?: string
}

/** What a watcher hears when the wallet's account or network changes (and once at the start). */
export interface WalletState {
  /** The account the site may use, or undefined when the site is not (or no longer) connected. */
  readonly address: string | undefined
  readonly network: WalletNetwork
  /** Whether `network` is the app's ledger: when false, signing would fail (WalletNetworkError). */
  readonly networkMatches: boolean
}

export interface SignOptions {
  /** The passphrase of the network the transaction is for; the app's ledger when omitted. Always sent to the wallet. */
  readonly networkPassphrase?: string
  /** The account that must sign; WalletAccountError when the wallet is on another one. */
  readonly address?: string
}

export interface Wallet {
  /** The network the app's ledger is on; the wallet must be on it to sign. */
  readonly ledger: WalletNetwork
  /** Whether the extension is there. Never hangs: false after about 2 s without an answer. */
  detect(): Promise<boolean>
  /** Asks the owner to let this site use an account (a click the first time); resolves with the address. */
  connect(): Promise<string>
  /** The connected account. WalletNotConnectedError when the site has no access yet. */
  address(): Promise<string>
  /** The network the wallet is on now (the owner may change it at any time). */
  network(): Promise<WalletNetwork>
  /** The wallet's network when it is the app's ledger; WalletNetworkError naming both otherwise. */
  checkNetwork(): Promise<WalletNetwork>
  /** Asks the owner to sign a transaction envelope (XDR, base64); resolves with the signed envelope. */
  signTransaction(xdr: string, options?: SignOptions): Promise<string>
  /**
   * Follows account and network switches: `onChange` runs once with the current state, then on
   * every change; `onError` hears a missing wallet or a failed read. Returns a function that stops watching.
   */
  watch(onChange: (state: WalletState) => void, onError?: (error: WalletError) => void): () => void
}

/** Every wallet failure; the ones below say more. */
export class WalletError extends LayrError {
  override readonly name: string = 'WalletError'
}

/** No wallet extension in this browser. */
export class WalletMissingError extends WalletError {
  override readonly name = 'WalletMissingError'
  constructor(
    message = 'No Freighter wallet was found in this browser. Install the Freighter extension (freighter.app) to pay hosts; ' +
      'without a wallet you can still back up to hosts that store for free.',
  ) {
    super(message)
  }
}

/** The owner declined: access, or a signature. Nothing was signed. */
export class WalletRejectedError extends WalletError {
  override readonly name = 'WalletRejectedError'
  constructor(message = 'The request was declined in Freighter, so nothing was signed. Try again and approve it to continue.') {
    super(message)
  }
}

/** The wallet is on another network than the app's ledger. */
export class WalletNetworkError extends WalletError {
  override readonly name = 'WalletNetworkError'
  constructor(
    readonly wallet: WalletNetwork,
    readonly ledger: WalletNetwork,
  ) {
    super(
      `Freighter is on the network “${wallet.name}”, but Layr's ledger is “${ledger.name}”. ` +
        `Switch Freighter to “${ledger.name}” (network passphrase “${ledger.passphrase}”${ledger.horizonUrl ? `, Horizon ${ledger.horizonUrl}` : ''}), ` +
        `or change the ledger in Layr's Settings.`,
    )
  }
}

/** The site has no access to an account yet (or lost it): connect first. */
export class WalletNotConnectedError extends WalletError {
  override readonly name = 'WalletNotConnectedError'
  constructor(message = 'Layr is not connected to Freighter. Choose “Connect wallet” and approve the request in Freighter.') {
    super(message)
  }
}

/** The wallet is on another account than the one that must sign. */
export class WalletAccountError extends WalletError {
  override readonly name = 'WalletAccountError'
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`Freighter's account is ${actual}, but this must be signed by ${expected}. Switch account in Freighter and try again.`)
  }
}
